using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Daily (<c>billing:renewal-reminders</c>): members on a yearly price are emailed
/// <c>Billing:RenewalReminderDays</c> before it renews, with the amount, the date and where to manage
/// it. The reminder row (unique per subscription and period) is saved with the email, so each
/// period gets one reminder however often, and on however many nodes, the job runs.
/// </summary>
public sealed class RenewalReminders(
    IServiceScopeFactory scopes,
    OutboxEmailSender outbox,
    TransactionalEmails emails,
    IOptions<BillingSettings> settings,
    TimeProvider clock,
    ILogger<RenewalReminders> logger)
{
    public const string RecurringJobId = "billing:renewal-reminders";

    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now.AddDays(settings.Value.RenewalReminderDays);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var links = scope.ServiceProvider.GetRequiredService<PublicLinks>();
        var due = await db.Subscriptions.AsNoTracking()
            .Where(s => s.Interval == BillingInterval.Year && s.Status == StripeStatuses.Active && !s.CancelAtPeriodEnd
                && s.CurrentPeriodEnd > now && s.CurrentPeriodEnd <= horizon
                && !db.RenewalReminders.Any(r => r.SubscriptionId == s.Id && r.PeriodEnd == s.CurrentPeriodEnd))
            .Select(s => new
            {
                s.Id, s.CurrentPeriodEnd, s.UnitAmountMinor, s.Currency,
                s.Member!.User!.Email, UserName = s.Member.User.DisplayName,
                Tier = s.Tier!.Name, Creator = s.Tier.Creator!.DisplayName, s.Tier.Creator.Handle,
            })
            .ToListAsync(cancellationToken);

        var sent = 0;
        foreach (var subscription in due.Where(s => s.Email is not null))
        {
            db.ChangeTracker.Clear();
            db.RenewalReminders.Add(new RenewalReminder { SubscriptionId = subscription.Id, PeriodEnd = subscription.CurrentPeriodEnd, SentAt = now });
            var row = outbox.Stage(db, emails.RenewalReminder(subscription.Email!, subscription.UserName, subscription.Creator, subscription.Tier,
                subscription.UnitAmountMinor, subscription.Currency, subscription.CurrentPeriodEnd, links.Absolute($"/{subscription.Handle}")));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another run reminded this period first.
                continue;
            }

            outbox.Notify([row]);
            sent++;
        }

        logger.LogInformation("Sent {Count} renewal reminders", sent);
        return sent;
    }
}
