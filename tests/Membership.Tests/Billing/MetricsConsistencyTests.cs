using Membership.Data.Entities;
using Membership.StripeEmulator;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Membership.Web.Features.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Membership.Tests.Billing;

/// <summary>History written by real billing flows: every month's bridge closes, and "now" agrees with the subscriptions and the roster.</summary>
public sealed class MetricsConsistencyTests
{
    [Fact]
    public async Task MixedHistoryOverMonths_BridgeClosesEveryMonth_NowAgreesWithSubscriptionsAndRoster()
    {
        var clock = new ManualClock(BillingSite.Start);
        await using var billing = await BillingSite.StartAsync(siteClock: clock);
        var creator = await billing.CreatorAsync();
        var steady = await billing.FanAsync("steady");
        var yearly = await billing.FanAsync("yearly");
        var upgrader = await billing.FanAsync("upgrader");
        var failing = await billing.FanAsync("failing");
        var quitter = await billing.FanAsync("quitter");
        await steady.JoinAsync(creator, "Bronze");
        await yearly.JoinAsync(creator, "Gold", "year");
        var up = await upgrader.JoinAsync(creator, "Bronze");
        await failing.JoinAsync(creator, "Gold", card: TestCards.FailsOnRenewal);
        var quit = await quitter.JoinAsync(creator, "Gold");

        async Task AdvanceAsync(int days)
        {
            billing.Emulator.Clock.Advance(TimeSpan.FromDays(days));
            clock.Advance(TimeSpan.FromDays(days));
            await billing.SettleAsync();
        }

        await AdvanceAsync(12);
        var gold = await billing.DbAsync(db => db.TierPrices.Where(p => p.TierId == creator.Tiers["Gold"] && p.Interval == BillingInterval.Month).Select(p => p.StripePriceId).SingleAsync());
        var item = (await new SubscriptionService(billing.Stripe).GetAsync(up.SubscriptionId)).Items.Data[0];
        await new SubscriptionService(billing.Stripe).UpdateAsync(up.SubscriptionId, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = gold }],
            ProrationBehavior = "always_invoice",
        });
        await new SubscriptionService(billing.Stripe).CancelAsync(quit.SubscriptionId);
        await billing.SettleAsync();
        await AdvanceAsync(25); // renewals; "failing" goes past due
        await AdvanceAsync(10); // "failing" runs out of retries
        await quitter.Browser.SignInAsync(quitter.Email); // weeks later: a new sign-in
        await quitter.JoinAsync(creator, "Bronze"); // comes back
        await AdvanceAsync(40);

        await using var scope = billing.Site.Services.CreateAsyncScope();
        var metrics = scope.ServiceProvider.GetRequiredService<CreatorMetrics>();
        var db = scope.ServiceProvider.GetRequiredService<Membership.Data.MembershipDbContext>();
        var page = await db.Creators.SingleAsync(c => c.Handle == creator.Handle);
        var months = await metrics.ForMonthsAsync(page, new DateOnly(2026, 1, 1), new DateOnly(2026, 4, 1), CancellationToken.None);
        Assert.All(months, m => Assert.True(m.BridgeCloses, $"{m.Month}: bridge does not close"));
        Assert.Equal(0, months[0].MrrStart);
        for (var i = 1; i < months.Count; i++)
        {
            Assert.Equal(months[i - 1].MrrEnd, months[i].MrrStart);
            Assert.Equal(months[i - 1].PaidMembersEnd, months[i].PaidMembersStart);
        }

        // The quitter joined and left within January: no movement there (0 at both ends), a reactivation on return.
        Assert.Equal(4, months.Sum(m => m.NewMembers));
        Assert.Equal(1, months.Sum(m => m.ReactivatedMembers));
        Assert.Equal(1, months.Sum(m => m.ChurnedMembers));

        var (mrr, paid, _) = await metrics.NowAsync(page, CancellationToken.None);
        var counting = await db.Subscriptions.Where(s => s.CreatorId == page.Id && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue)).ToListAsync();
        Assert.Equal(counting.Sum(Mrr.Contribution), mrr);
        Assert.Equal(counting.Select(s => s.MemberId).Distinct().Count(), paid);
        var rosterPaid = await db.Members.CountAsync(m => m.CreatorId == page.Id && (m.Status == MemberStatus.Active || m.Status == MemberStatus.PastDue) && !m.IsComplimentary);
        Assert.Equal(rosterPaid, paid);
        Assert.Equal(4, paid); // steady, yearly, upgrader, quitter (back); failing ended
        Assert.Equal(500 + 1250 + 1500 + 500, mrr);
        await MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, page.Id);
    }
}
