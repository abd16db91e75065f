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
