namespace Membership.Data.Entities;

/// <summary>
/// One fan's membership of one creator (docs/metrics.md: "a member"). A fan who follows for free
/// has no tier; a paying member has the tier they pay for.
/// </summary>
public class Member
{
    public int Id { get; set; }

    public int CreatorId { get; set; }

    public Creator? Creator { get; set; }

    public string UserId { get; set; } = "";

    public AppUser? User { get; set; }

    /// <summary>
    /// The fan's display name, copied from their account so the roster sorts by name from an
    /// index; the database context keeps it in step when the account's name changes.
    /// </summary>
    public string DisplayName { get; set; } = "";

    public int? TierId { get; set; }

    public Tier? Tier { get; set; }

    public MemberStatus Status { get; set; }

    /// <summary>
    /// Secret in the member's private feed URL (<c>/feeds/{token}</c>); regenerating it revokes the old URL.
    /// Null until the member first asks for the feed.
    /// </summary>
    public string? FeedToken { get; set; }

    /// <summary>Whether the member gets this creator's posts by email (transactional email always goes).</summary>
    public bool PostEmails { get; set; } = true;

    /// <summary>
    /// The creator gave this member their tier for free (no subscription; contributes 0 to MRR).
    /// Stays set after it ends, as history; a paid subscription clears it.
    /// </summary>
    public bool IsComplimentary { get; set; }

    /// <summary>When complimentary access ends (the daily reconciliation ends it); null for no end.</summary>
    public DateTime? ComplimentaryUntil { get; set; }

    /// <summary>Everything the member has paid this creator, less refunds, minor units (kept by the ledger, for the roster's sort).</summary>
    public long LifetimePaidMinor { get; set; }

    /// <summary>The creator's private notes about the member.</summary>
    public string Notes { get; set; } = "";

    public DateTime JoinedAt { get; set; }

    /// <summary>
    /// When the creator's CSV import enrolled this fan (null: they joined by themselves). Kept as
    /// history once set: the roster marks imported members, and the leave link in the notice
    /// email is valid for this import only.
    /// </summary>
    public DateTime? ImportedAt { get; set; }

    /// <summary>The name of the file the import read (as the creator's browser sent it), when it was recorded.</summary>
    public string? ImportedFrom { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>Where a membership stands. Only <see cref="Active"/> and <see cref="PastDue"/> hold a tier place.</summary>
public enum MemberStatus
{
    /// <summary>Follows for free: no tier.</summary>
    Following,

    /// <summary>Paid up on a tier.</summary>
    Active,

    /// <summary>A renewal failed; access continues through the grace period.</summary>
    PastDue,

    /// <summary>The paid membership ended; the fan still follows.</summary>
    Ended,

    /// <summary>
    /// The fan stopped following. The row is kept, not deleted, so the paid history (new or
    /// reactivated, in docs/metrics.md) and past email deliveries stay whole. Not a member.
    /// </summary>
    Left,
}
