using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Stripe's <c>customer.subscription.trial_will_end</c> (three days before a trial ends): the
/// member is told when the trial ends and what will then be charged. Sent only while the
/// subscription is still trialing and not cancelled (a fan who cancelled the trial has nothing
/// to be warned about). Stripe's status says whether the trial is still on (its clock, not
/// ours, decides: the simulated clock runs ahead of the site's). The trial is the subscription's first period, so the reminder row
/// (unique per subscription and period end) is stored with the email: one email per trial,
/// however often the event is delivered.
/// </summary>
public sealed class TrialEndingEmails(
    MembershipDbContext db,
    OutboxEmailSender outbox,
    TransactionalEmails emails,
    PublicLinks links,
    TimeProvider clock)
{
    public async Task SendAsync(string stripeSubscriptionId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var now = clock.GetUtcNow().UtcDateTime;
        var trial = await db.Subscriptions.AsNoTracking()
            .Where(s => s.StripeSubscriptionId == stripeSubscriptionId && s.Status == StripeStatuses.Trialing && !s.CancelAtPeriodEnd
                && s.TrialEnd != null
                && !db.RenewalReminders.Any(r => r.SubscriptionId == s.Id && r.PeriodEnd == s.TrialEnd))
            .Select(s => new
            {
                s.Id, TrialEnd = s.TrialEnd!.Value, s.UnitAmountMinor, s.Currency, s.Interval,
                s.Member!.User!.Email, UserName = s.Member.User.DisplayName,
                Tier = s.Tier!.Name, Creator = s.Tier.Creator!.DisplayName, s.Tier.Creator.Handle,
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (trial?.Email is null)
        {
            return;
        }

        db.RenewalReminders.Add(new RenewalReminder { SubscriptionId = trial.Id, PeriodEnd = trial.TrialEnd, SentAt = now });
        var row = outbox.Stage(db, emails.TrialEnding(trial.Email, trial.UserName, trial.Creator, trial.Tier,
            trial.UnitAmountMinor, trial.Currency, trial.Interval == BillingInterval.Year, trial.TrialEnd, links.Absolute($"/{trial.Handle}")));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same event, delivered twice at once, told them first.
            return;
        }

        outbox.Notify([row]);
    }
}
