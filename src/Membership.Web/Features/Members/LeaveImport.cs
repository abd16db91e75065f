using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Domain;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>Where a leave link stands: the membership it names, and whether it can leave now.</summary>
public sealed record LeaveStanding(string Token, Creator Creator, string? Tier, bool Complimentary, bool Left, string? Refusal);

/// <summary>
/// The import notice's one-click leave: the signed token names the membership; leaving follows
/// <see cref="Leaving"/>'s rule, the same as "Stop following" on the creator's page. No sign-in:
/// the token is the authority, and it only ever ends this one membership of this one creator.
/// </summary>
public sealed class LeaveImportHandler(MembershipDbContext db, ImportLeaveTokens tokens, TimeProvider clock)
{
    /// <summary>The membership the link names, or null when the link is not valid (tampered, cut short, or not an import's).</summary>
    public async Task<LeaveStanding?> ReadAsync(string? token, CancellationToken cancellationToken)
    {
        var member = await FindAsync(token, tracked: false, cancellationToken);
        return member is null ? null : Standing(token!, member);
    }

    /// <summary>Leaves (once; again changes nothing); null when the link is not valid.</summary>
    public async Task<LeaveStanding?> LeaveAsync(string? token, CancellationToken cancellationToken)
    {
        var member = await FindAsync(token, tracked: true, cancellationToken);
        if (member is null)
        {
            return null;
        }

        if (Leaving.Leave(member, clock.GetUtcNow().UtcDateTime))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return Standing(token!, member);
    }

    private async Task<Member?> FindAsync(string? token, bool tracked, CancellationToken cancellationToken)
    {
        if (tokens.MemberId(token) is not { } id)
        {
            return null;
        }

        var members = tracked ? db.Members : db.Members.AsNoTracking();
        return await members.Include(m => m.Creator).Include(m => m.Tier)
            .SingleOrDefaultAsync(m => m.Id == id && m.ImportedAt != null, cancellationToken);
    }

    private static LeaveStanding Standing(string token, Member member) => new(
        token, member.Creator!, member.Tier?.Name, member is { IsComplimentary: true, Status: MemberStatus.Active },
        member.Status == MemberStatus.Left, Leaving.Refusal(member));
}
