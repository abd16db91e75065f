namespace Membership.Data.Entities;

/// <summary>
/// A fan's click on "Join": recorded before Stripe is called, so the Checkout session's
/// idempotency key comes from our own id and a retried request never makes a second session.
/// </summary>
public class CheckoutAttempt
{
    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public int CreatorId { get; set; }

    public int TierId { get; set; }

    public int TierPriceId { get; set; }

    public TierPrice? TierPrice { get; set; }

    public string? StripeSessionId { get; set; }

    /// <summary>The hosted Checkout page to send the fan to.</summary>
    public string? CheckoutUrl { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the Checkout session stops taking payment; until then the attempt holds a place in a capped tier.</summary>
    public DateTime ExpiresAt { get; set; }

    /// <summary>Set when Stripe reported the session completed (checkout.session.completed).</summary>
    public DateTime? CompletedAt { get; set; }
}
