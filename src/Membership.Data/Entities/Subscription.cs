namespace Membership.Data.Entities;

/// <summary>
/// Our copy of a Stripe subscription, always written whole from what Stripe returns (never
/// patched from an event), so duplicate and out-of-order webhooks converge on Stripe's state.
/// </summary>
public class Subscription
{
    public int Id { get; set; }

    public string StripeSubscriptionId { get; set; } = "";

    public string StripeCustomerId { get; set; } = "";

    public int CreatorId { get; set; }

    public int MemberId { get; set; }

    public Member? Member { get; set; }

    public int TierId { get; set; }

    public Tier? Tier { get; set; }

    public int TierPriceId { get; set; }

    public TierPrice? TierPrice { get; set; }

    public BillingInterval Interval { get; set; }

    /// <summary>The recurring price per <see cref="Interval"/>, minor units.</summary>
    public long UnitAmountMinor { get; set; }

    public string Currency { get; set; } = "";

    /// <summary>Stripe's status, as Stripe spells it: active, past_due, trialing, incomplete, unpaid, canceled…</summary>
    public string Status { get; set; } = "";

    public DateTime StartedAt { get; set; }

    public DateTime CurrentPeriodStart { get; set; }

    public DateTime CurrentPeriodEnd { get; set; }

    public bool CancelAtPeriodEnd { get; set; }

    public DateTime? CanceledAt { get; set; }

    public DateTime? EndedAt { get; set; }

    public DateTime? TrialEnd { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the state last changed.</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the state was last read from Stripe (changed or not); the reconciliation job re-reads stale ones.</summary>
    public DateTime CheckedAt { get; set; }

    /// <summary>Optimistic concurrency: two syncs of one subscription never overwrite each other blindly.</summary>
    public Guid Version { get; set; }
}
