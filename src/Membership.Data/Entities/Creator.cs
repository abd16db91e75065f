namespace Membership.Data.Entities;

/// <summary>A creator's page: the handle it is reached at and the money settings its figures use.</summary>
public class Creator
{
    public const int DefaultYearlyGoalMajor = 100_000;
    public const int DefaultTrueFanThresholdMajor = 100;

    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public AppUser? User { get; set; }

    /// <summary>Lower-case URL slug, unique across the site: the page lives at <c>/{Handle}</c>.</summary>
    public string Handle { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string Bio { get; set; } = "";

    /// <summary>ISO 4217 code, upper case. Fixed once the creator has tiers: every figure is in it.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>Yearly revenue goal in minor units of <see cref="Currency"/>.</summary>
    public long YearlyGoalMinor { get; set; }

    /// <summary>Yearly commitment (minor units) at which a member counts as a true fan.</summary>
    public long TrueFanThresholdMinor { get; set; }

    /// <summary>The creator's Stripe Connect (Express) account that receives members' payments; null until they start onboarding.</summary>
    public string? StripeAccountId { get; set; }

    /// <summary>Stripe says the account can take payments: paid tiers accept members only then.</summary>
    public bool ChargesEnabled { get; set; }

    /// <summary>The creator's Stripe billing-portal configuration: the plan changes their members may make (exactly their joinable tiers and prices).</summary>
    public string? StripePortalConfigurationId { get; set; }

    /// <summary>What that configuration was last written with (tiers, prices, return URL), so an unchanged one is not written again.</summary>
    public string? StripePortalFingerprint { get; set; }

    /// <summary>Stripe says the account can be paid out.</summary>
    public bool PayoutsEnabled { get; set; }

    /// <summary>
    /// When the monthly totals were last built from the whole history; null when they must be
    /// (never built, or the true-fan threshold changed). Between builds every write keeps them.
    /// </summary>
    public DateTime? TotalsBuiltAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<Tier> Tiers { get; set; } = [];
}
