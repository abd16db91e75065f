using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Membership.Web.Features.Metrics;
using Membership.Web.Host;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Members;

/// <summary><c>seed-demo --members N --months M</c>: the generated history is consistent with itself, the metrics and the roster.</summary>
public sealed class GeneratedHistoryTests
{
    /// <summary>The seed's "now": fixed, so that two runs can be compared and nothing depends on the day the test runs.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 15, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task GeneratedHistory_BridgeClosesEveryMonth_CountsAgreeWithRoster_SecondRunAddsNothing()
    {
        await using var site = new MembershipFactory { Clock = new ManualClock(Now) };
        await using var scope = site.Services.CreateAsyncScope();
        var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        var history = scope.ServiceProvider.GetRequiredService<DemoHistory>();

        Assert.Equal(600, await history.GenerateAsync(creator, 600, 18, 5m, CancellationToken.None));
        Assert.Equal(0, await history.GenerateAsync(creator, 600, 18, 5m, CancellationToken.None));

        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var metrics = scope.ServiceProvider.GetRequiredService<CreatorMetrics>();
        var thisMonth = new DateOnly(Now.Year, Now.Month, 1);
        var months = await metrics.ForMonthsAsync(creator, thisMonth.AddMonths(-17), thisMonth, CancellationToken.None);
        Assert.All(months, m => Assert.True(m.BridgeCloses, $"{m.Month}: the bridge does not close"));
        for (var i = 1; i < months.Count; i++)
        {
            Assert.Equal(months[i - 1].MrrEnd, months[i].MrrStart);
        }

        Assert.True(months.Sum(m => m.NewMembers) > 200, "most generated fans pay");

        // "Now" agrees with the subscriptions and with what the roster's filters count.
        var (mrr, paid, _) = await metrics.NowAsync(creator, CancellationToken.None);
        var counting = await db.Subscriptions.Where(s => s.CreatorId == creator.Id && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue)).ToListAsync();
        Assert.Equal(counting.Sum(Mrr.Contribution), mrr);
        var roster = scope.ServiceProvider.GetRequiredService<Membership.Web.Features.Members.RosterQuery>();
        async Task<int> CountAsync(string? status) =>
            (await roster.PageAsync(creator.Id, new Membership.Web.Features.Members.RosterFilter { Status = status }, CancellationToken.None)).Total;
        // The roster counts a member on a free trial as active (it has no trial status); the metrics do not count them as paid.
        var trialing = await db.Subscriptions.CountAsync(s => s.CreatorId == creator.Id && s.Status == StripeStatuses.Trialing);
        Assert.Equal(paid + trialing, await CountAsync("active") + await CountAsync("past-due") + await CountAsync("cancelling"));
        var endedNow = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.Status == MemberStatus.Ended);
        Assert.Equal(endedNow, await CountAsync("ended"));
        Assert.Equal(await CountAsync(null), await CountAsync("active") + await CountAsync("past-due") + await CountAsync("cancelling")
            + await CountAsync("ended") + await CountAsync("free") + await CountAsync("complimentary"));
        Assert.Equal(months[^1].PaidMembersEnd, paid);
        Assert.True(await CountAsync("cancelling") > 0 && await CountAsync("complimentary") > 0, "members cancelling at the period's end, and complimentary ones");

        // The totals the generator's saves kept are the ones the whole history adds up to.
        await MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator.Id);
    }

    [Fact]
    public async Task GeneratedHistory_EveryDashboardFigure_IsNonZeroSomewhere()
    {
        await using var site = new MembershipFactory { Clock = new ManualClock(Now) };
        await using var scope = site.Services.CreateAsyncScope();
        var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        await scope.ServiceProvider.GetRequiredService<DemoHistory>().GenerateAsync(creator, 600, 18, 5m, CancellationToken.None);

        var thisMonth = new DateOnly(Now.Year, Now.Month, 1);
        var dashboard = await scope.ServiceProvider.GetRequiredService<DashboardQuery>().LoadAsync(creator, thisMonth.AddMonths(-17), thisMonth, CancellationToken.None);

        // Every figure of a month (docs/metrics.md: the bridge, members, rates, ARPU, LTV, revenue, true fans, fans needed) in some month.
        foreach (var figure in typeof(MonthFigures).GetProperties().Where(p => IsNumber(p.PropertyType)))
        {
            Assert.True(dashboard.Months.Any(m => IsNonZero(figure.GetValue(m))), $"{figure.Name} is 0 (or undefined) in every month of the demo");
        }

        Assert.Contains(dashboard.Months, m => m.ProjectedMonth is not null || m.NotAtCurrentPace);
        // And every figure of "now", MRR at risk included.
        foreach (var figure in typeof(NowFigures).GetProperties().Where(p => IsNumber(p.PropertyType)))
        {
            Assert.True(IsNonZero(figure.GetValue(dashboard.Now)), $"now: {figure.Name} is 0 (or undefined) on the demo");
        }

        Assert.All(dashboard.Tiers, t => Assert.True(t.PaidMembers > 0 && t.Mrr > 0, $"tier {t.Name} has no paid members"));
        Assert.NotEmpty(dashboard.Cohorts);
        Assert.Contains(dashboard.Cohorts, c => c.Retention.Any(r => r is > 0 and < 1));
    }

    [Fact]
    public async Task GeneratedHistory_WritesWhatBillingWrites_NothingAfterNow_TiersRightOnUpgradesAndDowngrades()
    {
        await using var site = new MembershipFactory { Clock = new ManualClock(Now) };
        await using var scope = site.Services.CreateAsyncScope();
        var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        await scope.ServiceProvider.GetRequiredService<DemoHistory>().GenerateAsync(creator, 600, 18, 5m, CancellationToken.None);
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var now = Now.UtcDateTime;

        var tiers = await db.Tiers.Where(t => t.CreatorId == creator.Id).ToDictionaryAsync(t => t.Name, t => t.Id);
        var (supporter, insider) = (tiers["Supporter"], tiers["Insider"]);
        var lines = await db.MembershipChanges.AsNoTracking().Where(c => c.CreatorId == creator.Id).OrderBy(c => c.OccurredAt).ThenBy(c => c.Id).ToListAsync();
        var members = await db.Members.AsNoTracking().Include(m => m.User).Where(m => m.CreatorId == creator.Id).ToListAsync();
        var subscriptions = await db.Subscriptions.AsNoTracking().Include(s => s.TierPrice).Where(s => s.CreatorId == creator.Id).ToListAsync();
        var payments = await db.Payments.AsNoTracking().Where(p => p.CreatorId == creator.Id).ToListAsync();
        var refunds = await db.Refunds.AsNoTracking().Include(r => r.Payment).Where(r => r.CreatorId == creator.Id).ToListAsync();

        // Nothing dated after the seed's now.
        Assert.All(lines, l => Assert.True(l.OccurredAt <= now, $"{l.Kind} line at {l.OccurredAt:O}"));
        Assert.All(payments, p => Assert.True(p.PaidAt <= now, $"payment at {p.PaidAt:O}"));
        Assert.All(refunds, r => Assert.True(r.RefundedAt <= now && r.RefundedAt >= r.Payment!.PaidAt, $"refund at {r.RefundedAt:O}"));
        Assert.All(members, m => Assert.True(m.JoinedAt <= now && m.UpdatedAt <= now && m.User!.CreatedAt <= now, $"member {m.User!.Email} joined {m.JoinedAt:O}, updated {m.UpdatedAt:O}"));
        Assert.All(subscriptions, s => Assert.True(s.StartedAt <= now && s.UpdatedAt <= now && (s.CanceledAt ?? now) <= now && (s.EndedAt ?? now) <= now,
            $"subscription {s.StripeSubscriptionId} started {s.StartedAt:O}, ended {s.EndedAt:O}"));
        Assert.NotEmpty(refunds);

        // Every kind of line billing writes (ChangedTier needs two tiers of the same monthly value, which the demo has not).
        foreach (var kind in Enum.GetValues<MembershipChangeKind>().Where(k => k != MembershipChangeKind.ChangedTier))
        {
            Assert.True(lines.Any(l => l.Kind == kind), $"no {kind} line");
        }

        // Upgrades and downgrades name the tier left and the tier taken, and move MRR the way their name says.
        Assert.All(lines.Where(l => l.Kind == MembershipChangeKind.Upgraded), l => Assert.True(l.MrrAfterMinor > l.MrrBeforeMinor));
        Assert.All(lines.Where(l => l.Kind == MembershipChangeKind.Downgraded), l => Assert.True(l.MrrAfterMinor < l.MrrBeforeMinor));
        var upgrades = lines.Where(l => l.Kind == MembershipChangeKind.Upgraded && l.FromTierId != l.ToTierId).ToList();
        var downgrades = lines.Where(l => l.Kind == MembershipChangeKind.Downgraded && l.FromTierId != l.ToTierId).ToList();
        Assert.NotEmpty(upgrades);
        Assert.NotEmpty(downgrades);
        Assert.All(upgrades, l => Assert.Equal((supporter, insider), (l.FromTierId!.Value, l.ToTierId!.Value)));
        Assert.All(downgrades, l => Assert.Equal((insider, supporter), (l.FromTierId!.Value, l.ToTierId!.Value)));
        // Switches between monthly and yearly keep the tier, and the renewal that switches is paid at the new interval's price.
        Assert.Contains(lines, l => l.Kind == MembershipChangeKind.Downgraded && l.FromTierId == l.ToTierId);
        Assert.Contains(lines, l => l.Kind == MembershipChangeKind.Upgraded && l.FromTierId == l.ToTierId);
        Assert.Contains(payments, p => p.BillingReason == "subscription_update");

        // Each subscription's lines chain tiers as billing's do: the first names no from-tier, each
        // later one starts from the tier the one before ended on, and the last ends on the subscription's tier.
        foreach (var subscription in subscriptions)
        {
            var own = lines.Where(l => l.StripeSubscriptionId == subscription.StripeSubscriptionId).ToList();
            Assert.NotEmpty(own);
            Assert.Null(own[0].FromTierId);
            for (var i = 1; i < own.Count; i++)
            {
                Assert.Equal(own[i - 1].ToTierId, own[i].FromTierId);
            }

            Assert.Equal(subscription.TierId, own[^1].ToTierId);
        }

        // Each member's lines chain MRR: a line's "before" is the previous line's "after".
        foreach (var member in lines.GroupBy(l => l.MemberId))
        {
            var own = member.ToList();
            for (var i = 1; i < own.Count; i++)
            {
                Assert.Equal(own[i - 1].MrrAfterMinor, own[i].MrrBeforeMinor);
            }
        }

        // Trials: converted, cancelled during the trial (ended at no MRR), as billing writes them.
        var trialled = lines.Where(l => l.Kind == MembershipChangeKind.TrialStarted).Select(l => l.StripeSubscriptionId).ToHashSet();
        Assert.Contains(lines, l => trialled.Contains(l.StripeSubscriptionId) && l.Kind == MembershipChangeKind.Started);
        Assert.Contains(lines, l => trialled.Contains(l.StripeSubscriptionId) && l.Kind == MembershipChangeKind.Ended && l.MrrBeforeMinor == 0);
        Assert.All(lines.Where(l => l.Kind == MembershipChangeKind.TrialStarted), l => Assert.Equal(l.MrrBeforeMinor, l.MrrAfterMinor));

        // The price change: the old Supporter price retired half-way, and members who joined on it still pay it.
        var retired = await db.TierPrices.AsNoTracking().SingleAsync(p => p.TierId == supporter && p.RetiredAt != null);
        Assert.True(retired.RetiredAt < now);
        Assert.Contains(subscriptions, s => s.TierPriceId == retired.Id && Mrr.Counts(s.Status));
        Assert.All(subscriptions.Where(s => s.TierPriceId == retired.Id), s => Assert.True(s.StartedAt < retired.RetiredAt));

        // Cancelling at the period's end now, complimentary members (given and expired), members who left.
        Assert.Contains(subscriptions, s => s.CancelAtPeriodEnd && s.Status == StripeStatuses.Active && s.CurrentPeriodEnd > now);
        Assert.Contains(members, m => m.IsComplimentary && m.Status == MemberStatus.Active && m.TierId is not null);
        Assert.Contains(members, m => m.IsComplimentary && m.Status == MemberStatus.Ended && m.ComplimentaryUntil <= now);
        Assert.DoesNotContain(lines, l => members.Single(m => m.Id == l.MemberId).IsComplimentary);
        Assert.Contains(members, m => m.Status == MemberStatus.Left && m.TierId is null);
        Assert.Contains(members, m => m.Status == MemberStatus.Left && m.TierId is not null);

        await MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator.Id);
    }

    [Fact]
    public async Task GeneratedHistory_SameSeed_SameRows_OtherSeed_OtherRows()
    {
        var first = await GenerateAndDescribeAsync(7);
        var again = await GenerateAndDescribeAsync(7);
        var other = await GenerateAndDescribeAsync(8);

        Assert.True(first.Count > 500, $"only {first.Count} rows");
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    /// <summary>
    /// Every row the history generator wrote on a fresh site seeded with <paramref name="seed"/>, as
    /// text (keys by their natural names, not database ids); the demo's own fan, made by the
    /// seeder through Identity, is not generated history.
    /// </summary>
    private static async Task<List<string>> GenerateAndDescribeAsync(int seed)
    {
        await using var site = new MembershipFactory { Clock = new ManualClock(Now) };
        await using var scope = site.Services.CreateAsyncScope();
        var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
        await scope.ServiceProvider.GetRequiredService<DemoHistory>().GenerateAsync(creator, 150, 12, 5m, seed, CancellationToken.None);
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var tiers = await db.Tiers.Where(t => t.CreatorId == creator.Id).ToDictionaryAsync(t => t.Id, t => t.Name);
        var emails = await db.Members.Where(m => m.CreatorId == creator.Id).Select(m => new { m.Id, m.User!.Email }).ToDictionaryAsync(m => m.Id, m => m.Email!);
        string Tier(int? id) => id is { } i ? tiers[i] : "-";
        string At(DateTime? at) => at?.ToString("O", CultureInfo.InvariantCulture) ?? "-";

        var rows = new List<string>();
        rows.AddRange((await db.Members.AsNoTracking().Include(m => m.User).Where(m => m.CreatorId == creator.Id && m.User!.Email!.EndsWith("@fans.demo.membership.local")).ToListAsync()).Select(m =>
            $"member {m.User!.Email} {m.User.Id} {m.User.SecurityStamp} {m.Status} {Tier(m.TierId)} {At(m.JoinedAt)} {At(m.UpdatedAt)} {m.PostEmails} {m.IsComplimentary} {At(m.ComplimentaryUntil)} {m.LifetimePaidMinor}"));
        rows.AddRange((await db.Subscriptions.AsNoTracking().Where(s => s.CreatorId == creator.Id).ToListAsync()).Select(s =>
            $"subscription {s.StripeSubscriptionId} {emails[s.MemberId]} {Tier(s.TierId)} {s.Interval} {s.UnitAmountMinor} {s.Status} {At(s.StartedAt)} {At(s.CurrentPeriodStart)} "
            + $"{At(s.CurrentPeriodEnd)} {s.CancelAtPeriodEnd} {At(s.CanceledAt)} {At(s.EndedAt)} {At(s.TrialEnd)} {s.Version}"));
        rows.AddRange((await db.MembershipChanges.AsNoTracking().Where(c => c.CreatorId == creator.Id).ToListAsync()).Select(c =>
            $"line {emails[c.MemberId]} {c.StripeSubscriptionId} {c.Kind} {Tier(c.FromTierId)} {Tier(c.ToTierId)} {c.MrrBeforeMinor} {c.MrrAfterMinor} {c.CommitmentBeforeMinor} {c.CommitmentAfterMinor} {At(c.OccurredAt)}"));
        rows.AddRange((await db.Payments.AsNoTracking().Where(p => p.CreatorId == creator.Id).ToListAsync()).Select(p =>
            $"payment {p.StripeInvoiceId} {p.StripeChargeId} {p.StripeSubscriptionId} {emails[p.MemberId]} {p.AmountMinor} {p.PlatformFeeMinor} {p.BillingReason} {At(p.PaidAt)}"));
        rows.AddRange((await db.Refunds.AsNoTracking().Include(r => r.Payment).Where(r => r.CreatorId == creator.Id).ToListAsync()).Select(r =>
            $"refund {r.StripeRefundId} {r.Payment!.StripeInvoiceId} {r.AmountMinor} {At(r.RefundedAt)}"));
        rows.AddRange((await db.TierPrices.AsNoTracking().Where(p => tiers.Keys.Contains(p.TierId)).ToListAsync()).Select(p =>
            $"price {Tier(p.TierId)} {p.Interval} {p.AmountMinor} {At(p.CreatedAt)} {At(p.RetiredAt)}"));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static bool IsNumber(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(int) || t == typeof(long) || t == typeof(decimal));

    private static bool IsNonZero(object? value) => value is not null && Convert.ToDecimal(value, CultureInfo.InvariantCulture) != 0;
}
