using MailKit;
using MailKit.Net.Smtp;
using Polly;
using Polly.Retry;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The SMTP transport for transactional email (through the outbox): one connection per
/// message, with a few quick retries on temporary failures (4xx, refused or dropped connection).
/// Post deliveries do not come through here: <see cref="PostDeliverySender"/> keeps
/// connections open for thousands of messages.
/// </summary>
public sealed class SmtpEmailSender(SmtpConnector connector, MimeMessageFactory factory, ILogger<SmtpEmailSender> logger) : IEmailTransport
{
    private static readonly ResiliencePipeline Retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(SmtpFailures.IsTemporary),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
        })
        .Build();

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var mime = factory.Create(message);
        await Retry.ExecuteAsync(async token =>
        {
            using var client = await connector.ConnectAsync(token);
            await client.SendAsync(mime, token);
            await client.DisconnectAsync(quit: true, token);
        }, cancellationToken);
        logger.LogInformation("Sent email {Subject} to {Recipient}", message.Subject, message.To);
    }
}

/// <summary>Which SMTP failures are worth another try.</summary>
public static class SmtpFailures
{
    /// <summary>4xx replies, dropped or refused connections and time-outs: try again. 5xx: never.</summary>
    public static bool IsTemporary(Exception exception) => exception switch
    {
        SmtpCommandException command => (int)command.StatusCode < 500,
        SmtpProtocolException or ServiceNotConnectedException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        OperationCanceledException => false,
        _ => false,
    };

    /// <summary>
    /// The server as a whole is unavailable (refused, dropped, timed out, or 421 "closing"): a
    /// delivery pauses instead of charging the failure to each recipient in turn.
    /// </summary>
    public static bool PausesDelivery(Exception exception) => exception switch
    {
        SmtpCommandException command => command.StatusCode == SmtpStatusCode.ServiceNotAvailable,
        _ => IsTemporary(exception),
    };

    /// <summary>A 5xx reply about this one recipient or message: fail it, keep the batch going.</summary>
    public static bool IsPermanentForRecipient(Exception exception) =>
        exception is SmtpCommandException { StatusCode: >= (SmtpStatusCode)500 } command
        && command.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted;
}
