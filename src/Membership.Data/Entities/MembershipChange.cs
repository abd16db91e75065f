namespace Membership.Data.Entities;

/// <summary>
/// One line of a member's paid history, with the member's MRR contribution before and after
/// (docs/metrics.md), so the dashboards can rebuild any month's MRR bridge from it. A member's lines
/// form a chain: each line's "before" is the previous line's "after", so summing
/// (after − before) over lines gives any figure at any instant in one aggregate query.
/// </summary>
public class MembershipChange
{
    public long Id { get; set; }

    public int CreatorId { get; set; }

    public int MemberId { get; set; }

    public Member? Member { get; set; }

    public string? StripeSubscriptionId { get; set; }

    public MembershipChangeKind Kind { get; set; }

    public int? FromTierId { get; set; }

    public int? ToTierId { get; set; }

    /// <summary>The member's MRR contribution (all their counting subscriptions) just before, minor units.</summary>
    public long MrrBeforeMinor { get; set; }

    /// <summary>The member's MRR contribution just after, minor units.</summary>
    public long MrrAfterMinor { get; set; }

    /// <summary>The member's yearly commitment just before (see <see cref="CommitmentAfterMinor"/>), minor units.</summary>
    public long CommitmentBeforeMinor { get; set; }

    /// <summary>
    /// The member's yearly commitment just after (docs/metrics.md "1,000 true fans": monthly price × 12
    /// or the yearly price, no rounding, over their counting subscriptions), minor units.
    /// </summary>
    public long CommitmentAfterMinor { get; set; }

    public string Currency { get; set; } = "";

    public DateTime OccurredAt { get; set; }
}

/// <summary>What happened to a paid membership.</summary>
public enum MembershipChangeKind
{
    /// <summary>A free trial began (counts for nothing until it converts).</summary>
    TrialStarted,

    /// <summary>First paid membership of this fan with this creator.</summary>
    Started,

    /// <summary>Paid again after having paid before.</summary>
    Reactivated,

    Upgraded,

    Downgraded,

    /// <summary>Another tier at the same monthly value.</summary>
    ChangedTier,

    CancelScheduled,

    /// <summary>A scheduled cancellation taken back.</summary>
    Resumed,

    /// <summary>A renewal failed; access continues in the grace period.</summary>
    PastDue,

    /// <summary>A failed payment was paid after all.</summary>
    Restored,

    Ended,
}
