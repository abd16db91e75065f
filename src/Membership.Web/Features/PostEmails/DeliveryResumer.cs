using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.PostEmails;

/// <summary>
/// Recurring job <c>email:resume-deliveries</c> (every minute, and once at start-up): starts a
/// sender for every delivery that still has recipients ready to send (never claimed, a lease
/// that expired because its sender died, or a back-off that ended). Senders share the work
/// through their claims, so starting one too many only costs a query.
/// </summary>
public sealed class DeliveryResumer(MembershipDbContext db, IBackgroundJobClient jobs, TimeProvider clock, ILogger<DeliveryResumer> logger)
{
    public const string RecurringJobId = "email:resume-deliveries";

    public async Task<int> ResumeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var deliveries = await db.EmailRecipients
            .Where(r => r.Status == RecipientStatus.Pending
                && (r.ClaimedUntil == null || r.ClaimedUntil < now)
                && (r.NextAttemptAt == null || r.NextAttemptAt <= now)
                && r.Delivery!.CompletedAt == null)
            .Select(r => r.DeliveryId).Distinct()
            .ToListAsync(cancellationToken);
        foreach (var deliveryId in deliveries)
        {
            jobs.Enqueue<PostDeliverySender>(sender => sender.SendAsync(deliveryId, CancellationToken.None));
        }

        if (deliveries.Count > 0)
        {
            logger.LogInformation("Resumed {Count} email deliveries", deliveries.Count);
        }

        return deliveries.Count;
    }
}
