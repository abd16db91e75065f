using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>The form that gives a fan a tier for free.</summary>
public sealed class GrantRequest
{
    /// <summary>The fan's account email (they need an account on the site).</summary>
    public string Email { get; set; } = "";

    public int TierId { get; set; }

    /// <summary>Last day of access (yyyy-MM-dd, UTC; access ends at the end of that day); empty for no end.</summary>
    public string? Until { get; set; }
}

/// <summary>
/// Complimentary memberships: a creator gives a fan a tier without payment, with an optional end
/// date. They read what the tier unlocks and count as members, but contribute nothing to MRR (docs/metrics.md).
/// The daily reconciliation ends them when their date passes (<see cref="ComplimentaryAccess.ExpireAsync"/>).
/// </summary>
public sealed class ComplimentaryHandler(MembershipDbContext db, TimeProvider clock)
{
    public async Task<Errors> GrantAsync(Creator creator, GrantRequest request)
    {
        var errors = new Errors();
        var email = request.Email?.Trim() ?? "";
        var tier = await db.Tiers.SingleOrDefaultAsync(t => t.Id == request.TierId && t.CreatorId == creator.Id && t.ArchivedAt == null);
        if (tier is null)
        {
            errors.Add(nameof(GrantRequest.TierId), "Choose one of your tiers.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? until = null;
        if (!string.IsNullOrWhiteSpace(request.Until))
        {
            if (!DateOnly.TryParseExact(request.Until.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                errors.Add(nameof(GrantRequest.Until), "Give the last day as a date (yyyy-mm-dd), or leave it empty for no end.");
            }
            else if (day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) <= now)
            {
                errors.Add(nameof(GrantRequest.Until), "The last day must be today or later.");
            }
            else
            {
                until = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            }
        }

        var normalized = email.ToUpperInvariant();
        var user = email.Length == 0 ? null : await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized);
        var member = user is null ? null : await db.Members.SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == user.Id);
        // One answer for "no such account" and "stopped following you": the form must not tell
        // which emails have accounts, nor pull back someone who left.
        if (user is null || user.Id == creator.UserId || member is { Status: MemberStatus.Left })
        {
            errors.Add(nameof(GrantRequest.Email), "This email cannot be given access: the fan needs an account here and must not have stopped following you.");
        }
        else if (member is { Status: MemberStatus.Active or MemberStatus.PastDue, IsComplimentary: false })
        {
            errors.Add(nameof(GrantRequest.Email), "This fan is already a paying member.");
        }

        if (errors.Any)
        {
            return errors;
        }

        if (member is null)
        {
            // They did not ask for this creator's posts by email: a gift does not subscribe them.
            member = new Member { CreatorId = creator.Id, UserId = user!.Id, JoinedAt = now, PostEmails = false };
            db.Members.Add(member);
        }

        member.Status = MemberStatus.Active;
        member.TierId = tier!.Id;
        member.IsComplimentary = true;
        member.ComplimentaryUntil = until;
        member.UpdatedAt = now;
        await db.SaveChangesAsync();
        return Errors.None;
    }

    /// <summary>Ends one complimentary membership now (the fan keeps following).</summary>
    public async Task<bool> EndAsync(Creator creator, int memberId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Members
            .Where(m => m.Id == memberId && m.CreatorId == creator.Id && m.IsComplimentary && m.Status == MemberStatus.Active)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MemberStatus.Ended).SetProperty(m => m.ComplimentaryUntil, now).SetProperty(m => m.UpdatedAt, now)) == 1;
    }
}
