using Membership.Data.Entities;
using Membership.Tests.Billing;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Membership.Tests.Jobs;

/// <summary>The daily billing jobs: reconciliation with Stripe and yearly renewal reminders.</summary>
public sealed class BillingJobsTests
{
    [Fact]
    public async Task Reconciliation_MissedDeletedWebhook_RepairedAndAccessEnds_SecondRunChangesNothing()
    {
        var clock = new ManualClock(BillingSite.Start);
        await using var billing = await BillingSite.StartAsync(siteClock: clock);
        var creator = await billing.CreatorAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");

        // The webhook endpoint goes away: Stripe's cancellation at the period end is never delivered.
        billing.Emulator.Webhooks.EndpointUrl = null;
        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        billing.Emulator.Clock.Advance(TimeSpan.FromDays(32));
        clock.Advance(TimeSpan.FromDays(32));
        Assert.Contains(billing.Emulator.Events, e => e.Type == "customer.subscription.deleted");
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        await fan.Browser.SignInAsync(fan.Email); // a month later the sign-in cookie has expired
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html);

        var repaired = await RunAsync<Reconciliation, int>(billing, job => job.RunAsync(CancellationToken.None));

        Assert.Equal(1, repaired);
        Assert.Equal("canceled", (await fan.SubscriptionAsync(creator)).Status);
        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
        Assert.DoesNotContain(secret, (await fan.Browser.GetAsync(post)).Html);
        var history = await fan.HistoryAsync(creator);
        Assert.Equal(MembershipChangeKind.Ended, history[^1]);

        // Again, and twice at once: nothing left to repair, nothing written twice.
        var again = await Task.WhenAll(
            RunAsync<Reconciliation, int>(billing, job => job.RunAsync(CancellationToken.None)),
            RunAsync<Reconciliation, int>(billing, job => job.RunAsync(CancellationToken.None)));
        Assert.Equal([0, 0], again);
        Assert.Equal(history, await fan.HistoryAsync(creator));
    }

    [Fact]
    public async Task RenewalReminder_YearlyMemberOncePerPeriod_MonthlyMemberNever()
    {
        var clock = new ManualClock(BillingSite.Start);
        await using var billing = await BillingSite.StartAsync(siteClock: clock);
        var creator = await billing.CreatorAsync();
        var yearly = await billing.FanAsync("yearly");
        var monthly = await billing.FanAsync("monthly");
        await yearly.JoinAsync(creator, "Gold", "year");
        await monthly.JoinAsync(creator, "Gold", "month");

        clock.Set(BillingSite.Start.AddYears(1).AddDays(-10));
        Assert.Equal(0, await RunAsync<RenewalReminders, int>(billing, job => job.SendDueAsync(CancellationToken.None)));

        clock.Set(BillingSite.Start.AddYears(1).AddDays(-6));
        var runs = await Task.WhenAll(
            RunAsync<RenewalReminders, int>(billing, job => job.SendDueAsync(CancellationToken.None)),
            RunAsync<RenewalReminders, int>(billing, job => job.SendDueAsync(CancellationToken.None)));
        Assert.Equal(1, runs.Sum());
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await RunAsync<RenewalReminders, int>(billing, job => job.SendDueAsync(CancellationToken.None)));

        var reminder = billing.Site.Mailbox.WaitFor(yearly.Email, $"Your Gold membership renews on {BillingSite.Start.AddYears(1):d MMMM yyyy}");
        Assert.Contains("$150.00", reminder.TextBody);
        Assert.Equal(1, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == yearly.Email && e.Subject.Contains("renews"))));
        Assert.Equal(0, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == monthly.Email && e.Subject.Contains("renews"))));
    }

    private static async Task<TResult> RunAsync<TJob, TResult>(BillingSite billing, Func<TJob, Task<TResult>> run)
        where TJob : notnull
    {
        await using var scope = billing.Site.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }
}
