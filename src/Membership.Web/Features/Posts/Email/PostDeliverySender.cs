using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// Sends a recorded delivery. Runs as a Hangfire job, on any number of nodes at once: each of
/// its parallel workers claims a batch of pending recipients under a time-limited lease, sends
/// each one its own copy over a connection it keeps open, and marks that recipient sent as soon
/// as the server has accepted the message. So a crash (or a killed process) at any point leaves
/// the unsent recipients pending; once the lease expires, the resume job or a retry sends them.
/// </summary>
/// <remarks>
/// The one duplicate window: a process that dies after the SMTP server accepted a message but
/// before the row's "sent" was committed leaves that recipient pending — at most one per
/// connection — and they will get the post a second time. A mark commits while the worker makes
/// its next message and starts sending it, but that message's end (after which the server can
/// accept it) is written only once the mark has committed, so a connection never has two
/// accepted, unmarked messages. The Message-ID is the same on both copies, so mail systems that
/// de-duplicate on it show one.
/// </remarks>
public sealed class PostDeliverySender(
    IServiceScopeFactory scopes,
    IDeliveryChannelFactory channels,
    EmailTemplates templates,
    MimeMessageFactory mime,
    UnsubscribeTokens unsubscribeTokens,
    SignedFileLinks fileLinks,
    IOptions<EmailSettings> settings,
    TimeProvider clock,
    PostEmailStops stops,
    ILogger<PostDeliverySender> logger)
{
    private DeliverySettings Delivery => settings.Value.Delivery;

    [AutomaticRetry(Attempts = 10)]
    public async Task SendAsync(int deliveryId, CancellationToken cancellationToken)
    {
        using var activity = MembershipTelemetry.Source.StartActivity("post delivery");
        activity?.SetTag("membership.delivery.id", deliveryId);
        var context = await LoadAsync(deliveryId, cancellationToken);
        if (context is null)
        {
            return;
        }

        activity?.SetTag("membership.post.id", context.Post.Id);
        // "host:pid/run/connection": an operator (and the scale test) can tell which process holds a claim.
        var run = Guid.NewGuid().ToString("N")[..12];
        var host = Environment.MachineName.Length > 32 ? Environment.MachineName[..32] : Environment.MachineName;
        await using var marksScope = scopes.CreateAsyncScope();
        await using var marks = await RecipientCommands.PrepareSentMarksAsync(
            marksScope.ServiceProvider.GetRequiredService<MembershipDbContext>(), logger, cancellationToken);
        // Unpublishing stops the run before its next message: at once on this node, within
        // PostEmailStops.PollInterval from any other.
        using var stop = stops.Start(context.Post.Id);
        using var polling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poller = WatchPublishedAsync(context.Post.Id, stop, polling.Token);
        var workers = Enumerable.Range(0, channels.Parallelism)
            .Select(index => WorkAsync(context, marks, stop, $"{host}:{Environment.ProcessId}/{run}/{index}", cancellationToken))
            .ToList();
        int sent;
        try
        {
            sent = (await Task.WhenAll(workers)).Sum();
        }
        catch (Exception exception)
        {
            // Paused (SMTP down) or stopped: the job is retried, the span says why this run ended.
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, exception.GetType().Name);
            throw;
        }
        finally
        {
            await polling.CancelAsync();
            await poller;
        }

        activity?.SetTag("membership.emails.sent", sent);
        logger.LogInformation("Sent {Count} emails for delivery {DeliveryId} of post {PostId}", sent, deliveryId, context.Post.Id);
        await CompleteIfDoneAsync(deliveryId, cancellationToken);
    }

    /// <summary>Reads whether the post is still published until the run ends; unpublished (on any node), it stops the run.</summary>
    private async Task WatchPublishedAsync(int postId, PostEmailStops.Watch stop, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            while (!stop.IsStopped)
            {
                await Task.Delay(PostEmailStops.PollInterval, cancellationToken);
                if (!await IsPublishedAsync(db, postId, cancellationToken))
                {
                    stop.Set();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
        catch (Exception exception)
        {
            // The per-batch check still stops the run; this only makes it sooner.
            logger.LogWarning(exception, "Could not read whether post {PostId} is still published", postId);
        }
    }

    private async Task<int> WorkAsync(DeliveryContext context, SentMarks marks, PostEmailStops.Watch stop, string worker, CancellationToken cancellationToken)
    {
        var sent = 0;
        await using var channel = channels.Create();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var retry = RetryPipeline(channel);
        var batchSize = Math.Max(1, Delivery.BatchSize / channels.Parallelism);
        while (true)
        {
            // Unpublished meanwhile (a typo being fixed): stop and leave everyone pending; the
            // resume job carries on once the post is published again.
            if (stop.IsStopped || !await IsPublishedAsync(db, context.Post.Id, cancellationToken))
            {
                return sent;
            }

            var (batch, leaseEnds) = await ClaimAsync(db, context.DeliveryId, worker, batchSize, cancellationToken);
            if (batch.Count == 0)
            {
                return sent;
            }

            var done = 0;
            // The last accepted message's "sent" mark, committing while the next message is made
            // and starts on its way; that message is finished only once the mark has committed.
            PendingMark? lastMark = null;
            try
            {
                for (; done < batch.Count && !stop.IsStopped; done++)
                {
                    var recipient = batch[done];
                    cancellationToken.ThrowIfCancellationRequested();

                    // Keep the lease longer than the slowest possible send, so no other sender can take this row mid-send.
                    if (leaseEnds - clock.GetUtcNow().UtcDateTime < SlowestSend + TimeSpan.FromSeconds(30))
                    {
                        leaseEnds = await RenewLeaseAsync(db, worker, batch.Skip(done).Select(r => r.Id).ToList(), cancellationToken);
                    }

                    var viewer = new Viewer(recipient.UserId, false, false, recipient.Status, recipient.TierId);
                    if (!recipient.PostEmails || recipient.Suppressed || !Entitlement.CanRead(viewer, context.Post))
                    {
                        await FinishAsync(db, worker, recipient.Id, RecipientStatus.Skipped,
                            recipient.Suppressed ? "Address suppressed" : !recipient.PostEmails ? "Post emails turned off" : "No longer entitled to the post", cancellationToken);
                        continue;
                    }

                    try
                    {
                        var message = context.Composer.For(recipient.Id, recipient.MemberId, recipient.Email, recipient.DisplayName);
                        var finishAfter = lastMark?.Committed ?? Task.CompletedTask;
                        await retry.ExecuteAsync(static (send, token) => new ValueTask(send.channel.SendAsync(send.message, send.finishAfter, token)), (channel, message, finishAfter), cancellationToken);
                        MembershipTelemetry.EmailSent(MembershipTelemetry.EmailKind.Post);
                        // Accepted, so the previous mark has committed: at most one accepted, unmarked message per connection.
                        await CheckAsync(lastMark, worker);
                        lastMark = new PendingMark(recipient.Id, MarkInBackground(marks, recipient.Id, worker, clock.GetUtcNow().UtcDateTime));
                        sent++;
                    }
                    catch (Exception) when (lastMark is { Committed.IsFaulted: true })
                    {
                        // The previous mark could not be written (the database refused it three times):
                        // this message was left unfinished; drop the connection in the middle of it and
                        // fail the run, as a failed mark always has (the job is retried).
                        await channel.ResetAsync();
                        await lastMark.Committed;
                        throw;
                    }
                    catch (Exception exception) when (SmtpFailures.IsPermanentForRecipient(exception))
                    {
                        logger.LogWarning("Recipient {RecipientId} of delivery {DeliveryId} refused: {Reason}", recipient.Id, context.DeliveryId, exception.Message);
                        await FinishAsync(db, worker, recipient.Id, RecipientStatus.Failed, Trim(exception.Message), cancellationToken);
                        await SuppressAsync(db, recipient.Email, exception.Message, cancellationToken);
                    }
                    catch (Exception exception) when (SmtpFailures.PausesDelivery(exception))
                    {
                        // The server cannot be reached, or asks us to go away (421): stop, hand the
                        // rest back, and let the job retry later. Nobody is marked failed for it.
                        logger.LogWarning(exception, "Delivery {DeliveryId} paused: the SMTP server is unavailable", context.DeliveryId);
                        throw;
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        // A 4xx for this recipient, or anything else about this one message: back it
                        // off (minutes, doubling) and carry on; it fails for good after MaxAttempts.
                        await BackOffAsync(db, worker, recipient, Trim(exception.Message), cancellationToken);
                    }
                }

                await CheckAsync(lastMark, worker);
            }
            finally
            {
                // Whatever ended the batch, the last mark lands before its rows are handed back
                // (a released row could otherwise be claimed and sent again before it is marked).
                if (lastMark is not null)
                {
                    await Task.WhenAny(lastMark.Committed);
                }

                if (done < batch.Count)
                {
                    await ReleaseAsync(db, worker, batch.Skip(done).Select(r => r.Id).ToList());
                }
            }
        }
    }

    /// <summary>
    /// Marks the recipient sent on a thread-pool thread, so the commit (tens of microseconds on
    /// SQLite) overlaps the making and start of the next message instead of delaying it.
    /// </summary>
    private static Task<bool> MarkInBackground(SentMarks marks, long recipientId, string worker, DateTime sentAt) =>
        Task.Run(() => marks.MarkAsync(recipientId, worker, sentAt));

    /// <summary>Waits for a mark and logs the case where the row was no longer this worker's; throws when the mark failed.</summary>
    private async Task CheckAsync(PendingMark? mark, string worker)
    {
        if (mark is not null && !await mark.Committed)
        {
            logger.LogWarning("Recipient {RecipientId} was no longer claimed by {Worker} when marked {Status}", mark.RecipientId, worker, RecipientStatus.Sent);
        }
    }

    private sealed record PendingMark(long RecipientId, Task<bool> Committed);

    /// <summary>The longest one send can take: every retry waiting out every time-out of a send.</summary>
    private TimeSpan SlowestSend => TimeSpan.FromSeconds((SendRetries + 1) * 3 * settings.Value.Smtp.TimeoutSeconds)
        + TimeSpan.FromMilliseconds(Delivery.RetryDelayMilliseconds * Math.Pow(2, SendRetries + 1));

    private const int SendRetries = 3;

    private static Task<bool> IsPublishedAsync(MembershipDbContext db, int postId, CancellationToken cancellationToken) =>
        db.Posts.AnyAsync(p => p.Id == postId && p.Status == PostStatus.Published, cancellationToken);

    /// <summary>Quick retries for temporary failures; a dropped connection is reopened before the next try.</summary>
    private ResiliencePipeline RetryPipeline(IDeliveryChannel channel) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(SmtpFailures.IsTemporary),
            MaxRetryAttempts = SendRetries,
            Delay = TimeSpan.FromMilliseconds(Delivery.RetryDelayMilliseconds),
            BackoffType = DelayBackoffType.Exponential,
            OnRetry = async arguments =>
            {
                // A 4xx about one message leaves the connection usable; anything else (or 421, the
                // server closing) means reconnecting before the next try.
                if (arguments.Outcome.Exception is not MailKit.Net.Smtp.SmtpCommandException command
                    || command.StatusCode == MailKit.Net.Smtp.SmtpStatusCode.ServiceNotAvailable)
                {
                    await channel.ResetAsync();
                }
            },
        })
        .Build();

    private async Task<(List<ClaimedRecipient> Batch, DateTime LeaseEnds)> ClaimAsync(
        MembershipDbContext db, int deliveryId, string worker, int size, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var leaseEnds = now.AddSeconds(Delivery.LeaseSeconds);
        List<long> candidates;
        while (true)
        {
            candidates = await db.EmailRecipients
                .Where(r => r.DeliveryId == deliveryId && r.Status == RecipientStatus.Pending
                    && (r.ClaimedUntil == null || r.ClaimedUntil < now)
                    && (r.NextAttemptAt == null || r.NextAttemptAt <= now))
                .OrderBy(r => r.Id).Select(r => r.Id).Take(size)
                .ToListAsync(cancellationToken);
            if (candidates.Count == 0)
            {
                return ([], leaseEnds);
            }

            // The conditional update is the lock: of two workers racing for a row, one wins it.
            var won = await db.EmailRecipients
                .Where(r => candidates.Contains(r.Id) && r.Status == RecipientStatus.Pending && (r.ClaimedUntil == null || r.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimedBy, worker).SetProperty(r => r.ClaimedUntil, leaseEnds), cancellationToken);
            if (won > 0)
            {
                break;
            }

            // Another worker took these rows first: look again past them (it is not the end of the work).
        }

        var rows = await db.EmailRecipients
            .Where(r => candidates.Contains(r.Id) && r.ClaimedBy == worker && r.Status == RecipientStatus.Pending)
            .Join(db.Members, r => r.MemberId, m => m.Id, (r, m) => new { r, m })
            .Join(db.Users, x => x.m.UserId, u => u.Id, (x, u) => new { x.r, x.m, u })
            .OrderBy(x => x.r.Id)
            .Select(x => new
            {
                x.r.Id,
                x.r.Email,
                MemberId = x.m.Id,
                UserId = x.u.Id,
                x.u.DisplayName,
                x.m.Status,
                x.m.TierId,
                x.m.PostEmails,
                x.r.Attempts,
                Suppressed = db.EmailSuppressions.Any(s => s.NormalizedEmail == x.r.Email.ToUpper()),
            })
            .ToListAsync(cancellationToken);
        var batch = rows.Select(x => new ClaimedRecipient(
            x.Id, x.Email, x.MemberId, x.UserId, x.DisplayName, x.Status, x.TierId, x.PostEmails, x.Attempts, x.Suppressed)).ToList();
        return (batch, leaseEnds);
    }

    private async Task<DateTime> RenewLeaseAsync(MembershipDbContext db, string worker, List<long> ids, CancellationToken cancellationToken)
    {
        var leaseEnds = clock.GetUtcNow().UtcDateTime.AddSeconds(Delivery.LeaseSeconds);
        await db.EmailRecipients.Where(r => ids.Contains(r.Id) && r.ClaimedBy == worker && r.Status == RecipientStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimedUntil, leaseEnds), cancellationToken);
        return leaseEnds;
    }

    private async Task FinishAsync(MembershipDbContext db, string worker, long id, RecipientStatus status, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var updated = await db.EmailRecipients.Where(r => r.Id == id && r.ClaimedBy == worker && r.Status == RecipientStatus.Pending)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, status)
                    .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                    .SetProperty(r => r.LastError, error)
                    .SetProperty(r => r.SentAt, status == RecipientStatus.Sent ? now : null)
                    .SetProperty(r => r.ClaimedUntil, (DateTime?)null),
                CancellationToken.None);
        if (updated == 0)
        {
            logger.LogWarning("Recipient {RecipientId} was no longer claimed by {Worker} when marked {Status}", id, worker, status);
        }
        else if (status == RecipientStatus.Failed)
        {
            MembershipTelemetry.EmailFailed(MembershipTelemetry.EmailKind.Post);
        }
    }

    private async Task BackOffAsync(MembershipDbContext db, string worker, ClaimedRecipient recipient, string error, CancellationToken cancellationToken)
    {
        var attempts = recipient.Attempts + 1;
        if (attempts >= Delivery.MaxAttempts)
        {
            await FinishAsync(db, worker, recipient.Id, RecipientStatus.Failed, $"Gave up after {attempts} attempts: {error}", cancellationToken);
            return;
        }

        // Minutes, not seconds: a recipient's server that refuses for a while (greylisting,
        // throttling) gets time before the next try; MaxAttempts tries span about half an hour.
        var retryAt = clock.GetUtcNow().UtcDateTime.AddMinutes(Math.Min(60, Math.Pow(2, attempts - 1)));
        await db.EmailRecipients.Where(r => r.Id == recipient.Id && r.ClaimedBy == worker)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Attempts, attempts)
                    .SetProperty(r => r.LastError, error)
                    .SetProperty(r => r.NextAttemptAt, retryAt)
                    .SetProperty(r => r.ClaimedUntil, (DateTime?)null),
                cancellationToken);
    }

    private static Task ReleaseAsync(MembershipDbContext db, string worker, List<long> ids) =>
        db.EmailRecipients.Where(r => ids.Contains(r.Id) && r.ClaimedBy == worker && r.Status == RecipientStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimedUntil, (DateTime?)null), CancellationToken.None);

    private async Task SuppressAsync(MembershipDbContext db, string email, string reason, CancellationToken cancellationToken)
    {
        var normalized = email.ToUpperInvariant();
        if (await db.EmailSuppressions.AnyAsync(s => s.NormalizedEmail == normalized, cancellationToken))
        {
            return;
        }

        db.EmailSuppressions.Add(new EmailSuppression { NormalizedEmail = normalized, Reason = Trim(reason), CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another worker suppressed it first.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private async Task CompleteIfDoneAsync(int deliveryId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        if (!await db.EmailRecipients.AnyAsync(r => r.DeliveryId == deliveryId && r.Status == RecipientStatus.Pending, cancellationToken))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.EmailDeliveries.Where(d => d.Id == deliveryId && d.CompletedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.CompletedAt, now), cancellationToken);
        }
    }

    private async Task<DeliveryContext?> LoadAsync(int deliveryId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var delivery = await db.EmailDeliveries.AsNoTracking()
            .Include(d => d.Post).ThenInclude(p => p!.Tiers)
            .Include(d => d.Post).ThenInclude(p => p!.Attachments)
            .Include(d => d.Post).ThenInclude(p => p!.Creator)
            .AsSplitQuery()
            .SingleOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery?.Post?.Creator is null || delivery.CompletedAt is not null)
        {
            return null;
        }

        var baseUrl = scope.ServiceProvider.GetRequiredService<PublicLinks>().Absolute("");
        return new DeliveryContext(deliveryId, delivery.Post, new PostEmailComposer(templates, mime, unsubscribeTokens, fileLinks, delivery.Post, baseUrl, deliveryId));
    }

    private static string Trim(string text) => text.Length <= 500 ? text : text[..500];

    private sealed record DeliveryContext(int DeliveryId, Post Post, PostEmailComposer Composer);

    private sealed record ClaimedRecipient(
        long Id, string Email, int MemberId, string UserId, string DisplayName, MemberStatus Status, int? TierId, bool PostEmails, int Attempts, bool Suppressed);
}
