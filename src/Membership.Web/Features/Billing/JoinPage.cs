using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Billing;

/// <summary>The join page of one tier: which creator, which tier, who is looking, and why they cannot join if they cannot.</summary>
public sealed record JoinPageRequest(string Handle, int TierId, string? ViewerId, JoinRequest Form);

/// <summary>
/// What the join page shows. <see cref="CanFollow"/>: the viewer neither follows the creator nor is
/// the creator, so a refused join can offer following for free instead.
/// </summary>
public sealed record JoinViewModel(Creator Creator, Tier Tier, bool IsSignedIn, bool CanFollow, string? Refusal, JoinRequest Form);

/// <summary>Builds <see cref="JoinViewModel"/>; null when the creator or the (not archived) tier does not exist.</summary>
public sealed class JoinPageQuery(MembershipDbContext db, JoinTier joins)
{
    public async Task<JoinViewModel?> HandleAsync(JoinPageRequest request, CancellationToken cancellationToken)
    {
        var creator = await CreatorByHandle.FindAsync(db, request.Handle);
        var tier = creator is null
            ? null
            : await db.Tiers.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.TierId && t.CreatorId == creator.Id && t.ArchivedAt == null, cancellationToken);
        if (creator is null || tier is null)
        {
            return null;
        }

        var viewer = request.ViewerId;
        var follows = viewer is not null
            && await db.Members.AnyAsync(m => m.CreatorId == creator.Id && m.UserId == viewer && m.Status != MemberStatus.Left, cancellationToken);
        var refusal = await joins.RefusalAsync(creator, tier, viewer, cancellationToken);
        return new JoinViewModel(creator, tier, viewer is not null, !follows && viewer != creator.UserId, refusal, request.Form);
    }
}
