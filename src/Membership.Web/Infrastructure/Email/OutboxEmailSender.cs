using System.Text.Json;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The <see cref="IEmailSender"/> features use: the message is stored in the outbox first, then
/// sent at once through the transport. If the server does not answer, the request still
/// succeeds and the outbox job (<see cref="OutboxDispatcher"/>) sends it later: nothing is lost.
/// Uses its own DbContext so it never saves a caller's half-made changes.
/// </summary>
public sealed class OutboxEmailSender(IServiceScopeFactory scopes, OutboxDispatcher dispatcher, MimeMessageFactory mime, TimeProvider clock) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
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
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            db.OutboxEmails.Add(row);
            await db.SaveChangesAsync(cancellationToken);
        }

        await dispatcher.TrySendAsync(row.Id, CancellationToken.None);
    }
}

/// <summary>
/// Sends outbox rows: one right after it is stored, and every minute (recurring job
/// <c>email:outbox</c>) whatever is still unsent, with back-off between tries. A lease on each
/// row stops two nodes sending the same message.
/// </summary>
public sealed class OutboxDispatcher(IServiceScopeFactory scopes, IEmailTransport transport, TimeProvider clock, ILogger<OutboxDispatcher> logger)
{
    public const string RecurringJobId = "email:outbox";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Sends everything due; returns how many went out.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<long> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
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
        var claimed = await db.OutboxEmails
            .Where(e => e.Id == id && e.SentAt == null && (e.ClaimedUntil == null || e.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ClaimedUntil, now + Lease), cancellationToken);
        if (claimed == 0)
        {
            return false;
        }

        var row = await db.OutboxEmails.AsNoTracking().SingleAsync(e => e.Id == id, cancellationToken);
        var message = new EmailMessage(row.To, row.Subject, row.TextBody, row.HtmlBody)
        {
            MessageId = row.MessageId,
            Headers = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(row.HeadersJson) ?? new Dictionary<string, string>(),
        };
        try
        {
            await transport.SendAsync(message, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var attempts = row.Attempts + 1;
            var retryAt = clock.GetUtcNow().UtcDateTime.AddMinutes(Math.Min(60, Math.Pow(2, attempts - 1)));
            await db.OutboxEmails.Where(e => e.Id == id).ExecuteUpdateAsync(
                s => s.SetProperty(e => e.Attempts, attempts)
                    .SetProperty(e => e.LastError, exception.Message.Length <= 500 ? exception.Message : exception.Message[..500])
                    .SetProperty(e => e.NextAttemptAt, retryAt)
                    .SetProperty(e => e.ClaimedUntil, (DateTime?)null),
                CancellationToken.None);
            logger.LogWarning(exception, "Email {OutboxId} to {Recipient} not sent (attempt {Attempt}); retrying after {RetryAt}", id, row.To, attempts, retryAt);
            return false;
        }

        await db.OutboxEmails.Where(e => e.Id == id).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.SentAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(e => e.Attempts, row.Attempts + 1)
                .SetProperty(e => e.ClaimedUntil, (DateTime?)null),
            CancellationToken.None);
        return true;
    }
}
