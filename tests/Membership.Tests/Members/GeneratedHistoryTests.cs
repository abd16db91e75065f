using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Membership.Web.Features.Metrics;
using Membership.Web.Infrastructure.Commands;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Members;

/// <summary><c>seed-demo --members N --months M</c>: the generated history is consistent with itself, the metrics and the roster.</summary>
public sealed class GeneratedHistoryTests
{
    [Fact]
    public async Task GeneratedHistory_BridgeClosesEveryMonth_CountsAgreeWithRoster_SecondRunAddsNothing()
    {
        await using var site = new MembershipFactory();
        await using var scope = site.Services.CreateAsyncScope();
        var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        var history = scope.ServiceProvider.GetRequiredService<DemoHistory>();

        Assert.Equal(600, await history.GenerateAsync(creator, 600, 18, 5m, CancellationToken.None));
        Assert.Equal(0, await history.GenerateAsync(creator, 600, 18, 5m, CancellationToken.None));

        var db = scope.ServiceProvider.GetRequiredService<Membership.Data.MembershipDbContext>();
        var metrics = scope.ServiceProvider.GetRequiredService<CreatorMetrics>();
        var now = DateTime.UtcNow;
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        var months = await metrics.ForMonthsAsync(creator, thisMonth.AddMonths(-17), thisMonth, CancellationToken.None);
        Assert.All(months, m => Assert.True(m.BridgeCloses, $"{m.Month}: the bridge does not close"));
        for (var i = 1; i < months.Count; i++)
        {
            Assert.Equal(months[i - 1].MrrEnd, months[i].MrrStart);
        }

        Assert.True(months.Sum(m => m.NewMembers) > 200, "most generated fans pay");
        Assert.True(months.Sum(m => m.ChurnedMembers) > 0 && months.Sum(m => m.ReactivatedMembers) > 0 && months.Sum(m => m.ExpansionMrr) > 0);
        Assert.True(months.Sum(m => m.Refunds) >= 0 && months.Sum(m => m.RevenueGross) > 0);

        // "Now" agrees with the subscriptions and with what the roster's filters count.
        var (mrr, paid, _) = await metrics.NowAsync(creator, CancellationToken.None);
        var counting = await db.Subscriptions.Where(s => s.CreatorId == creator.Id && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue)).ToListAsync();
        Assert.Equal(counting.Sum(Mrr.Contribution), mrr);
        var roster = scope.ServiceProvider.GetRequiredService<Membership.Web.Features.Members.RosterQuery>();
        async Task<int> CountAsync(string? status) =>
            (await roster.PageAsync(creator.Id, new Membership.Web.Features.Members.RosterFilter { Status = status }, CancellationToken.None)).Total;
        Assert.Equal(paid, await CountAsync("active") + await CountAsync("past-due") + await CountAsync("cancelling"));
        var endedNow = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.Status == MemberStatus.Ended);
        Assert.Equal(endedNow, await CountAsync("ended"));
        Assert.Equal(await CountAsync(null), await CountAsync("active") + await CountAsync("past-due") + await CountAsync("cancelling")
            + await CountAsync("ended") + await CountAsync("free") + await CountAsync("complimentary"));
        Assert.Equal(months[^1].PaidMembersEnd, paid);

        // The totals the generator's saves kept are the ones the whole history adds up to.
        await MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator.Id);
    }
}
