namespace Membership.Data.Entities;

/// <summary>The ledger: one row per paid invoice, keyed by the invoice id so it is never counted twice.</summary>
public class Payment
{
    public int Id { get; set; }

    public string StripeInvoiceId { get; set; } = "";

    public string? StripeChargeId { get; set; }

    public string? StripeSubscriptionId { get; set; }

    public int CreatorId { get; set; }

    public int MemberId { get; set; }

    public Member? Member { get; set; }

    /// <summary>What the fan paid, minor units.</summary>
    public long AmountMinor { get; set; }

    /// <summary>The platform's application fee taken from it, minor units.</summary>
    public long PlatformFeeMinor { get; set; }

    public string Currency { get; set; } = "";

    /// <summary>Stripe's billing reason: subscription_create, subscription_cycle, subscription_update…</summary>
    public string BillingReason { get; set; } = "";

    public DateTime PaidAt { get; set; }

    public List<Refund> Refunds { get; set; } = [];
}
