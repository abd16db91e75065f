namespace Membership.Data.Entities;

/// <summary>Money given back on a payment, keyed by Stripe's refund id.</summary>
public class Refund
{
    public int Id { get; set; }

    public string StripeRefundId { get; set; } = "";

    public int PaymentId { get; set; }

    public Payment? Payment { get; set; }

    public int CreatorId { get; set; }

    public long AmountMinor { get; set; }

    public string Currency { get; set; } = "";

    public DateTime RefundedAt { get; set; }
}
