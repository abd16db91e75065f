using System.Data.Common;
using System.Runtime.CompilerServices;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>The event types the site acts on; every other type is acknowledged and ignored.</summary>
public static class StripeEventTypes
{
    public const string CheckoutSessionCompleted = "checkout.session.completed";
    public const string SubscriptionCreated = "customer.subscription.created";
    public const string SubscriptionUpdated = "customer.subscription.updated";
    public const string SubscriptionDeleted = "customer.subscription.deleted";
    public const string SubscriptionTrialWillEnd = "customer.subscription.trial_will_end";
    public const string InvoicePaid = "invoice.paid";
    public const string InvoicePaymentFailed = "invoice.payment_failed";
    public const string ChargeRefunded = "charge.refunded";
    public const string AccountUpdated = "account.updated";

    public static readonly IReadOnlySet<string> Handled = new HashSet<string>
    {
        CheckoutSessionCompleted, SubscriptionCreated, SubscriptionUpdated, SubscriptionDeleted, SubscriptionTrialWillEnd,
        InvoicePaid, InvoicePaymentFailed, ChargeRefunded, AccountUpdated,
    };
}

/// <summary>
/// Stores a verified event under its unique id: the webhook's whole job before it answers. One
/// INSERT, no change tracking (the acknowledgement's cost is mostly this write); on SQLite the
/// process's inserts take turns rather than colliding on its single writer and backing off.
/// </summary>
public sealed class StripeEventInbox(MembershipDbContext db, TimeProvider clock)
{
    /// <summary>True when the event is new (and must be handled); false for a duplicate delivery.</summary>
    public async Task<bool> RecordAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        var handled = StripeEventTypes.Handled.Contains(stripeEvent.Type);
        var now = clock.GetUtcNow().UtcDateTime;
        // Types we do not act on are done the moment they are stored.
        DateTime? processedAt = handled ? null : now;
        var objectId = (stripeEvent.Data?.Object as IHasId)?.Id ?? "";
        var occurredAt = DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc);
        var sqlite = db.Database.IsSqlite();
        if (sqlite)
        {
            await SqliteWriteTurns.Gate.WaitAsync(cancellationToken);
        }

        // SQLite and PostgreSQL insert nothing for a duplicate delivery (no failed statement to log
        // or catch); SQL Server has no such clause, so there the unique key refuses it.
        var onConflict = db.Database.IsSqlServer() ? "" : """ ON CONFLICT ("Id") DO NOTHING""";
        var insert = FormattableStringFactory.Create(
            """
            INSERT INTO "StripeEvents" ("Id", "Type", "Account", "ObjectId", "OccurredAt", "ReceivedAt", "ProcessedAt", "Attempts", "LastError")
            VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8})
            """ + onConflict,
            stripeEvent.Id, stripeEvent.Type, stripeEvent.Account, objectId, occurredAt, now, processedAt, 0, null);
        try
        {
            return await db.Database.ExecuteSqlAsync(insert, cancellationToken) == 1 && handled;
        }
        catch (DbException)
        {
            if (await db.StripeEvents.AnyAsync(e => e.Id == stripeEvent.Id, cancellationToken))
            {
                return false;
            }

            throw;
        }
        finally
        {
            if (sqlite)
            {
                SqliteWriteTurns.Gate.Release();
            }
        }
    }
}

/// <summary>
/// Handles stored events, each by its type's handler, in a Hangfire job per event (retried by
/// Hangfire) and a minutely sweep (<c>stripe:events</c>) that picks up any event whose job was
/// lost. Handlers re-read the object from Stripe, so handling an event twice, late, or after a
/// newer one, ends in the same state.
/// </summary>
public sealed class StripeEventProcessor(
    IServiceScopeFactory scopes,
    IOptions<StripeSettings> settings,
    TimeProvider clock,
    ILogger<StripeEventProcessor> logger)
{
    public const string RecurringJobId = "stripe:events";

    /// <summary>Handles one stored event (the job enqueued by the webhook). Throws on failure so Hangfire retries.</summary>
    [Hangfire.AutomaticRetry(Attempts = 8)]
    public async Task ProcessAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var row = await db.StripeEvents.SingleOrDefaultAsync(e => e.Id == eventId, cancellationToken);
        if (row is null || row.ProcessedAt is not null)
        {
            return;
        }

        using var activity = MembershipTelemetry.Source.StartActivity("stripe event " + (StripeEventTypes.Handled.Contains(row.Type) ? row.Type : "other"));
        activity?.SetTag("stripe.event.id", row.Id);
        activity?.SetTag("stripe.event.type", row.Type);
        activity?.SetTag("stripe.event.attempt", row.Attempts + 1);
        try
        {
            await HandleAsync(scope.ServiceProvider, row, cancellationToken);
            row.Attempts++;
            row.ProcessedAt = clock.GetUtcNow().UtcDateTime;
            row.LastError = null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Stripe being down is not the event's fault: it does not use up the event's tries.
            if (exception is not PaymentsUnavailableException)
            {
                row.Attempts++;
            }

            row.LastError = exception.Message.Length > 1000 ? exception.Message[..1000] : exception.Message;
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, exception.GetType().Name);
            logger.LogWarning(exception, "Stripe event {EventId} ({EventType}) failed on try {Attempt}", row.Id, row.Type, row.Attempts);
            db.ChangeTracker.Clear();
            await db.StripeEvents.Where(e => e.Id == row.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Attempts, row.Attempts).SetProperty(e => e.LastError, row.LastError), CancellationToken.None);
            throw;
        }

        db.ChangeTracker.Clear();
        await db.StripeEvents.Where(e => e.Id == row.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Attempts, row.Attempts).SetProperty(e => e.ProcessedAt, row.ProcessedAt).SetProperty(e => e.LastError, (string?)null), cancellationToken);
    }

    /// <summary>Handles every stored event not handled yet, oldest first; returns how many were handled now.</summary>
    public async Task<int> ProcessPendingAsync(CancellationToken cancellationToken)
    {
        List<string> pending;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var maxAttempts = settings.Value.EventMaxAttempts;
            pending = await db.StripeEvents.Where(e => e.ProcessedAt == null && e.Attempts < maxAttempts)
                .OrderBy(e => e.OccurredAt).ThenBy(e => e.ReceivedAt).Select(e => e.Id).Take(500).ToListAsync(cancellationToken);
        }

        var done = 0;
        foreach (var id in pending)
        {
            try
            {
                await ProcessAsync(id, cancellationToken);
                done++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Logged and counted on the row; the next sweep tries again.
            }
        }

        return done;
    }

    private static Task HandleAsync(IServiceProvider services, StripeEvent row, CancellationToken cancellationToken)
    {
        var handler = services.GetServices<IStripeEventHandler>().SingleOrDefault(h => h.Handles(row.Type))
            ?? throw new InvalidOperationException($"No handler for the Stripe event type {row.Type}, which is listed as handled.");
        return handler.HandleAsync(row, cancellationToken);
    }
}
