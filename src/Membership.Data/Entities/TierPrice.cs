namespace Membership.Data.Entities;

/// <summary>
/// One price of a tier as Stripe knows it. A price never changes: when the creator changes a
/// tier's price a new row (and a new Stripe price) replaces it, and subscribers on the old one
/// keep paying it until they change tier.
/// </summary>
public class TierPrice
{
    public int Id { get; set; }

    public int TierId { get; set; }

    public Tier? Tier { get; set; }

    public BillingInterval Interval { get; set; }

    /// <summary>Amount per <see cref="Interval"/> in minor units of <see cref="Currency"/>.</summary>
    public long AmountMinor { get; set; }

    public string Currency { get; set; } = "";

    /// <summary>Null until the price was created in Stripe (created on demand, with an idempotency key from <see cref="Id"/>).</summary>
    public string? StripePriceId { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Set when a new price replaced this one (or the tier dropped its yearly price); nobody new joins on it.</summary>
    public DateTime? RetiredAt { get; set; }

    /// <summary>Whether the retirement was also made in Stripe (the price set inactive there).</summary>
    public bool RetiredInStripe { get; set; }
}

/// <summary>How often a subscription bills.</summary>
public enum BillingInterval
{
    Month,
    Year,
}
