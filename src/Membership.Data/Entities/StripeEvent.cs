namespace Membership.Data.Entities;

/// <summary>
/// A verified Stripe webhook event, stored under its id (unique) before it is handled: a
/// duplicate delivery finds the row and changes nothing, and a crash before handling loses nothing.
/// </summary>
public class StripeEvent
{
    /// <summary>Stripe's event id (<c>evt_…</c>).</summary>
    public string Id { get; set; } = "";

    public string Type { get; set; } = "";

    /// <summary>The connected account the event is about, for Connect events.</summary>
    public string? Account { get; set; }

    /// <summary>The id of the object in <c>data.object</c>.</summary>
    public string ObjectId { get; set; } = "";

    /// <summary>When Stripe says it happened.</summary>
    public DateTime OccurredAt { get; set; }

    public DateTime ReceivedAt { get; set; }

    public DateTime? ProcessedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
