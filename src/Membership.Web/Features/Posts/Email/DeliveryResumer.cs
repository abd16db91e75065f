using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// Recurring job <c>email:resume-deliveries</c> (every minute, and once at start-up): starts a
/// sender for every delivery that still has recipients ready to send (never claimed, a lease
/// that expired because its sender died, or a back-off that ended) and no sender at work.
/// Senders share the work through their claims, so even a second sender sends nobody twice.
/// </summary>
public sealed class DeliveryResumer(MembershipDbContext db, IBackgroundJobClient jobs, TimeProvider clock, ILogger<DeliveryResumer> logger)
{
    public const string RecurringJobId = "email:resume-deliveries";

    public async Task<int> ResumeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // A delivery that some sender is working on (a live lease) is left to it; only idle ones,
        // and those whose sender died (every lease expired), get a new sender.
        var deliveries = await db.EmailRecipients
            .Where(r => r.Status == RecipientStatus.Pending
                && (r.ClaimedUntil == null || r.ClaimedUntil < now)
                && (r.NextAttemptAt == null || r.NextAttemptAt <= now)
                && r.Delivery!.CompletedAt == null
                && r.Delivery.Post!.Status == PostStatus.Published
                && !db.EmailRecipients.Any(other => other.DeliveryId == r.DeliveryId && other.Status == RecipientStatus.Pending && other.ClaimedUntil >= now))
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
