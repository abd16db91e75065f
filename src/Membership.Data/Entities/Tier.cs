namespace Membership.Data.Entities;

/// <summary>A paid level of membership a creator offers. Archived, never deleted, once it has had members.</summary>
public class Tier
{
    public int Id { get; set; }

    public int CreatorId { get; set; }

    public Creator? Creator { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Trimmed, upper-invariant name: the unique key that stops two tiers called "Gold" and "gold ".</summary>
    public string NormalizedName { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>What members of the tier get, one line each, in the creator's order.</summary>
    public List<string> Benefits { get; set; } = [];

    /// <summary>Monthly price in minor units of the creator's currency.</summary>
    public long MonthlyPriceMinor { get; set; }

    /// <summary>Optional yearly price in minor units; null when the tier is monthly only.</summary>
    public long? YearlyPriceMinor { get; set; }

    /// <summary>Maximum number of members (limited slots); null for no limit.</summary>
    public int? MemberCap { get; set; }

    /// <summary>Free trial offered to new members, in days; null for none.</summary>
    public int? TrialDays { get; set; }

    /// <summary>The Stripe product the tier's prices belong to; null until first synced.</summary>
    public string? StripeProductId { get; set; }

    /// <summary>Position on the creator's page, ascending.</summary>
    public int SortOrder { get; set; }

    /// <summary>Set when the tier is hidden from new joins; existing members keep it.</summary>
    public DateTime? ArchivedAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public bool IsArchived => ArchivedAt is not null;
}
