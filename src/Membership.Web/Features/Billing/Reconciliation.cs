using Membership.Data;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Daily (<c>billing:reconcile</c>, and on demand from <c>/admin/jobs</c>): re-reads from Stripe every
/// live subscription whose period should have renewed or that was not read for a while, and writes
/// its state, so a missed webhook (a renewal, a cancellation, the end of the grace period) is
/// repaired within a day; and ends complimentary memberships whose end date has passed. Running it twice, or on two nodes, writes the same state twice.
/// </summary>
public sealed class Reconciliation(IServiceScopeFactory scopes, IOptions<BillingSettings> settings, TimeProvider clock, ILogger<Reconciliation> logger)
{
    public const string RecurringJobId = "billing:reconcile";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stale = now.AddHours(-Math.Max(1, settings.Value.ReconcileAfterHours));
        List<string> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            due = await db.Subscriptions
                .Where(s => (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.Trialing || s.Status == StripeStatuses.PastDue
                        || s.Status == StripeStatuses.Incomplete)
                    && (s.CurrentPeriodEnd <= now || s.CheckedAt < stale))
                .OrderBy(s => s.CheckedAt).Select(s => s.StripeSubscriptionId)
                .ToListAsync(cancellationToken);
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var expired = await ComplimentaryAccess.ExpireAsync(scope.ServiceProvider.GetRequiredService<MembershipDbContext>(), now);
            if (expired > 0)
            {
                logger.LogInformation("Ended {Count} complimentary memberships that reached their end date", expired);
            }
        }

        var repaired = 0;
        foreach (var id in due)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SubscriptionSync>().SyncAsync(id, now, cancellationToken);
                repaired++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One subscription failing (Stripe down, say) must not stop the others; tomorrow's run tries again.
                logger.LogWarning(exception, "Could not reconcile subscription {SubscriptionId}", id);
            }
        }

        logger.LogInformation("Reconciled {Count} of {Due} subscriptions with Stripe", repaired, due.Count);
        return repaired;
    }
}
