using System.Text.Json;
using System.Threading.Channels;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The <see cref="IEmailSender"/> features use: the message is stored in the outbox and handed
/// to <see cref="OutboxPump"/>, which sends it in the background at once. The request never
/// waits on SMTP (so a slow or down server does not slow sign-up, and response times do not
/// reveal whether an address has an account); if the send fails, the outbox job retries it.
/// Uses its own DbContext so it never saves a caller's half-made changes.
/// </summary>
public sealed class OutboxEmailSender(IServiceScopeFactory scopes, OutboxPump pump, MimeMessageFactory mime, TimeProvider clock) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        OutboxEmail row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            row = Stage(db, message);
            await db.SaveChangesAsync(cancellationToken);
        }

        pump.Notify(row.Id);
    }

    /// <summary>
    /// Adds the message to <paramref name="db"/>'s outbox, to be stored by the caller's own
    /// SaveChanges together with the change it belongs to (a membership starting, a payment
    /// failing), so it is queued exactly once. Call <see cref="Notify"/> once saved.
    /// </summary>
    public OutboxEmail Stage(MembershipDbContext db, EmailMessage message)
    {
        var row = new OutboxEmail
        {
            To = message.To,
            Subject = message.Subject.Length <= 500 ? message.Subject : message.Subject[..500],
            TextBody = message.TextBody,
            HtmlBody = message.HtmlBody,
            HeadersJson = JsonSerializer.Serialize(message.Headers),
            MessageId = message.MessageId ?? $"{Guid.NewGuid():N}@{mime.Domain}",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.OutboxEmails.Add(row);
        return row;
    }

    /// <summary>Sends staged rows now (the outbox job would otherwise send them within a minute).</summary>
    public void Notify(IEnumerable<OutboxEmail> saved)
    {
        foreach (var row in saved)
        {
            pump.Notify(row.Id);
        }
    }
}

/// <summary>Sends freshly stored outbox rows in the background, one after another, as they arrive.</summary>
public sealed class OutboxPump(OutboxDispatcher dispatcher, ILogger<OutboxPump> logger) : BackgroundService
{
    private readonly Channel<long> _queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    public void Notify(long outboxId) => _queue.Writer.TryWrite(outboxId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await dispatcher.TrySendAsync(id, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The row stays unsent; the outbox job picks it up.
                logger.LogError(exception, "Outbox email {OutboxId} could not be sent now", id);
            }
        }
    }
}

/// <summary>
/// Sends outbox rows: each one right after it is stored (through <see cref="OutboxPump"/>), and
/// every minute (recurring job <c>email:outbox</c>) whatever is still unsent, with back-off
/// between tries. A lease on each row stops two nodes sending the same message, and a sent row
/// keeps no body: sign-in and reset links do not stay in the database once delivered.
/// </summary>
public sealed class OutboxDispatcher(IServiceScopeFactory scopes, IEmailTransport transport, TimeProvider clock, ILogger<OutboxDispatcher> logger)
{
    public const string RecurringJobId = "email:outbox";

    /// <summary>Longer than the slowest send (the transport's retries with their time-outs).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);

    /// <summary>Sent rows (their bodies already gone) are kept this long for support questions.</summary>
    private static readonly TimeSpan KeepSent = TimeSpan.FromDays(30);

    /// <summary>Sends everything due and forgets old sent rows; returns how many went out.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<long> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var forgetBefore = now - KeepSent;
            await db.OutboxEmails.Where(e => e.SentAt != null && e.SentAt < forgetBefore).ExecuteDeleteAsync(cancellationToken);
            due = await db.OutboxEmails
                .Where(e => e.SentAt == null && (e.NextAttemptAt == null || e.NextAttemptAt <= now) && (e.ClaimedUntil == null || e.ClaimedUntil < now))
                .OrderBy(e => e.Id).Select(e => e.Id).Take(500)
                .ToListAsync(cancellationToken);
        }

        var sent = 0;
        foreach (var id in due)
        {
            if (await TrySendAsync(id, cancellationToken))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Claims the row and sends it; false when someone else has it, it is sent, or the send failed (it will be retried).</summary>
    public async Task<bool> TrySendAsync(long id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        // Whole milliseconds: the lease value doubles as this sender's claim token, and every
        // provider stores it exactly at that precision.
        var lease = new DateTime((now + Lease).Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        var claimed = await db.OutboxEmails
            .Where(e => e.Id == id && e.SentAt == null && (e.ClaimedUntil == null || e.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedUntil, lease), cancellationToken);
        if (claimed == 0)
        {
            return false;
        }

        var row = await db.OutboxEmails.AsNoTracking().SingleAsync(e => e.Id == id, cancellationToken);
        var message = new EmailMessage(row.To, row.Subject, row.TextBody, row.HtmlBody)
        {
            MessageId = row.MessageId,
            Headers = JsonSerializer.Deserialize<Dictionary<string, string>>(row.HeadersJson) ?? new Dictionary<string, string>(),
        };
        var mine = db.OutboxEmails.Where(e => e.Id == id && e.ClaimedUntil == lease);
        try
        {
            await transport.SendAsync(message, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var attempts = row.Attempts + 1;
            var retryAt = clock.GetUtcNow().UtcDateTime.AddMinutes(Math.Min(60, Math.Pow(2, attempts - 1)));
            await mine.ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Attempts, attempts)
                    .SetProperty(e => e.LastError, exception.Message.Length <= 500 ? exception.Message : exception.Message[..500])
                    .SetProperty(e => e.NextAttemptAt, retryAt)
                    .SetProperty(e => e.ClaimedUntil, (DateTime?)null),
                CancellationToken.None);
            MembershipTelemetry.EmailFailed(MembershipTelemetry.EmailKind.Transactional);
            logger.LogWarning(exception, "Email {OutboxId} not sent (attempt {Attempt}); retrying after {RetryAt}", id, attempts, retryAt);
            return false;
        }

        MembershipTelemetry.EmailSent(MembershipTelemetry.EmailKind.Transactional);
        var marked = await mine.ExecuteUpdateAsync(
            s => s.SetProperty(e => e.SentAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(e => e.Attempts, row.Attempts + 1)
                .SetProperty(e => e.TextBody, "")
                .SetProperty(e => e.HtmlBody, "")
                .SetProperty(e => e.ClaimedUntil, (DateTime?)null),
            CancellationToken.None);
        if (marked == 0)
        {
            logger.LogWarning("Email {OutboxId} was sent after its lease ended", id);
        }

        return true;
    }
}
