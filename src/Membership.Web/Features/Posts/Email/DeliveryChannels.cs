using MailKit.Net.Smtp;
using Membership.Web.Infrastructure.Email;

namespace Membership.Web.Features.Posts.Email;

/// <summary>One connection's worth of sending: SMTP (kept open and reused) or the pickup folder.</summary>
public interface IDeliveryChannel : IAsyncDisposable
{
    /// <summary>
    /// Sends one message, finishing it only after <paramref name="finishAfter"/> has completed:
    /// the message can be on its way meanwhile, but the recipient's server cannot accept it
    /// before. If <paramref name="finishAfter"/> fails, the message is left unfinished (not
    /// delivered) and the send fails with that exception.
    /// </summary>
    Task SendAsync(EmailMessage message, Task finishAfter, CancellationToken cancellationToken);

    /// <summary>Drops the connection after a failure; the next send reconnects.</summary>
    Task ResetAsync();
}

/// <summary>Makes the channels a delivery sends through (a seam tests use to inject faults).</summary>
public interface IDeliveryChannelFactory
{
    /// <summary>How many channels a delivery runs in parallel.</summary>
    int Parallelism { get; }

    IDeliveryChannel Create();
}

public sealed class DeliveryChannelFactory(SmtpConnector connector, MimeMessageFactory mime, IEmailTransport pickup) : IDeliveryChannelFactory
{
    public int Parallelism => connector.IsConfigured ? Math.Max(1, connector.Settings.Connections) : 1;

    public IDeliveryChannel Create() => connector.IsConfigured ? new SmtpChannel(connector, mime) : new PickupChannel(pickup);

    /// <summary>An SMTP connection opened on first use and reused for every message after it, as is its MIME message.</summary>
    private sealed class SmtpChannel(SmtpConnector connector, MimeMessageFactory mime) : IDeliveryChannel
    {
        private readonly ReusedMimeMessage _message = mime.CreateReused();
        private SmtpClient? _client;

        public async Task SendAsync(EmailMessage message, Task finishAfter, CancellationToken cancellationToken)
        {
            _client ??= await connector.ConnectAsync(cancellationToken);
            // The body holds back its closing boundary until finishAfter; the server accepts
            // nothing before the end of the data.
            await _client.SendAsync(_message.For(message, finishAfter), cancellationToken);
        }

        public Task ResetAsync()
        {
            _client?.Dispose();
            _client = null;
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is { IsConnected: true })
            {
                try
                {
                    await _client.DisconnectAsync(quit: true);
                }
                catch (Exception exception) when (SmtpFailures.IsTemporary(exception))
                {
                    // The server went away first: nothing left to close politely.
                }
            }

            _client?.Dispose();
        }
    }

    /// <summary>The embedded default: each message to the pickup folder.</summary>
    private sealed class PickupChannel(IEmailTransport pickup) : IDeliveryChannel
    {
        public async Task SendAsync(EmailMessage message, Task finishAfter, CancellationToken cancellationToken)
        {
            await finishAfter.WaitAsync(cancellationToken);
            await pickup.SendAsync(message, cancellationToken);
        }

        public Task ResetAsync() => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
