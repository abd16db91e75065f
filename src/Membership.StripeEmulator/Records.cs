using System.Text.Json.Nodes;

namespace Membership.StripeEmulator;

/// <summary>One API request as the emulator saw it (faulted, replayed and rejected ones included).</summary>
public sealed record RecordedRequest(
    long Sequence,
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    string? IdempotencyKey,
    string? StripeAccount,
    int StatusCode,
    bool Replayed,
    FaultKind? Fault,
    string RequestId);

/// <summary>An event the emulator created (whether or not a webhook endpoint is set).</summary>
public sealed record EmulatedEvent(string Id, string Type, string? Account, long Created, string Json)
{
    /// <summary>The event's <c>data.object</c>.</summary>
    public JsonObject DataObject => (JsonObject)JsonNode.Parse(Json)!["data"]!["object"]!;

    /// <summary><see cref="Created"/> (emulator time) as an instant.</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeSeconds(Created);

    /// <summary>The id of the object the event is about (<c>data.object.id</c>), e.g. <c>sub_…</c>.</summary>
    public string? ObjectId => DataObject["id"]?.GetValue<string>();
}

/// <summary>Work the emulator clock does when it reaches <see cref="At"/> (see <see cref="StripeEmulator.Upcoming"/>).</summary>
public sealed record DueWork(DateTimeOffset At, DueWorkKind Kind, string ObjectId, string? Account);

/// <summary>What falls due.</summary>
public enum DueWorkKind
{
    /// <summary>A subscription's period ends: it renews and is invoiced (active or past_due).</summary>
    Renewal,

    /// <summary>A trial ends: the first paid period starts and is invoiced.</summary>
    TrialEnd,

    /// <summary>Three days before a trial ends (or at once for a shorter trial): <c>customer.subscription.trial_will_end</c>.</summary>
    TrialWillEnd,

    /// <summary>A subscription set to cancel at period end is canceled.</summary>
    CancelAtPeriodEnd,

    /// <summary>A failed invoice payment is retried (<see cref="StripeEmulatorOptions.PaymentRetrySchedule"/>).</summary>
    PaymentRetry,

    /// <summary>An open Checkout Session expires.</summary>
    CheckoutExpiry,
}

/// <summary>An event and what became of its webhook (see <see cref="StripeEmulator.RecentEvents"/>).</summary>
public sealed record EventDelivery(EmulatedEvent Event, EventDeliveryState State, IReadOnlyList<WebhookDelivery> Deliveries);

/// <summary>Where an event's webhook stands, taken over all its copies (the newest decides while one is still owed).</summary>
public enum EventDeliveryState
{
    /// <summary>There was no webhook endpoint when it happened: only recorded.</summary>
    NotSent,

    /// <summary>Held back by <see cref="WebhookSettings.Hold"/>.</summary>
    Held,

    /// <summary>Queued, not tried yet.</summary>
    Pending,

    /// <summary>Tried and failed; another try is scheduled.</summary>
    Retrying,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered,

    /// <summary>Given up after <see cref="WebhookSettings.MaxAttempts"/>.</summary>
    Failed,
}

/// <summary>What completing a hosted checkout produced.</summary>
public sealed record CheckoutResult(string SessionId, string CustomerId, string SubscriptionId, string InvoiceId, Uri RedirectUrl);

/// <summary>A C# shortcut (e.g. <see cref="StripeEmulator.CompleteCheckout"/>) failed the way the hosted page would have.</summary>
public sealed class StripeEmulatorException : Exception
{
    public StripeEmulatorException(string message, string? code = null, string? declineCode = null, int statusCode = 400)
        : base(message)
    {
        Code = code;
        DeclineCode = declineCode;
        StatusCode = statusCode;
    }

    public StripeEmulatorException()
    {
    }

    public StripeEmulatorException(string message)
        : base(message)
    {
    }

    public StripeEmulatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? Code { get; }

    public string? DeclineCode { get; }

    public int StatusCode { get; } = 400;
}

/// <summary>
/// <see cref="StripeEmulator.StartAsync"/> could not listen on the fixed <see cref="StripeEmulatorOptions.Port"/>
/// because another process (or another emulator) already holds it.
/// </summary>
public sealed class StripeEmulatorPortInUseException : IOException
{
    public StripeEmulatorPortInUseException(int port, Exception? innerException = null)
        : base($"127.0.0.1:{port} is already in use, so the Stripe emulator cannot listen there.", innerException)
    {
        Port = port;
    }

    public StripeEmulatorPortInUseException()
    {
    }

    public StripeEmulatorPortInUseException(string message)
        : base(message)
    {
    }

    public StripeEmulatorPortInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The port that was asked for.</summary>
    public int Port { get; }
}
