using Membership.Data.Entities;

namespace Membership.Web.Features.Billing;

/// <summary>
/// A member's status and tier as a function of their subscriptions' current Stripe state only,
/// so that the order webhooks arrive in cannot change the outcome: the best subscription wins
/// (one giving access, else one in grace); with none live, a member who ever had a paid or
/// trial subscription has ended (keeping its tier as history), whether we saw it live or only
/// once it was already over.
/// </summary>
public static class MemberAccess
{
    /// <summary>One subscription of the member, as stored from Stripe.</summary>
    public readonly record struct Held(string Status, int TierId, DateTime StartedAt);

    public static (MemberStatus Status, int? TierId) Decide(MemberStatus current, int? currentTierId, bool isComplimentary, IEnumerable<Held> subscriptions)
    {
        var newestFirst = subscriptions.OrderByDescending(s => s.StartedAt).ToList();
        var live = newestFirst.FirstOrDefault(s => s.Status is StripeStatuses.Active or StripeStatuses.Trialing);
        if (live.Status is null)
        {
            live = newestFirst.FirstOrDefault(s => s.Status == StripeStatuses.PastDue);
        }

        if (live.Status is not null)
        {
            return (live.Status == StripeStatuses.PastDue ? MemberStatus.PastDue : MemberStatus.Active, live.TierId);
        }

        if (isComplimentary || current == MemberStatus.Left)
        {
            // On the house (the creator's grant outlives a lapsed subscription), or no longer following at all.
            return (current, currentTierId);
        }

        var over = newestFirst.FirstOrDefault(s => s.Status is StripeStatuses.Canceled or StripeStatuses.Unpaid or StripeStatuses.Paused);
        if (over.Status is not null)
        {
            return (MemberStatus.Ended, current is MemberStatus.Ended or MemberStatus.Active or MemberStatus.PastDue ? currentTierId ?? over.TierId : over.TierId);
        }

        // Only checkouts that were never paid (incomplete, incomplete_expired): nothing changes.
        return (current, currentTierId);
    }
}
