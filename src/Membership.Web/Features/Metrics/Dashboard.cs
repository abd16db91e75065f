using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Metrics;

/// <summary>The dashboard's figures: a month series, cohort retention, per-tier and "now" (METRICS.md names, minor units).</summary>
public sealed record DashboardData(
    string Currency, IReadOnlyList<MonthFigures> Months, IReadOnlyList<Cohort> Cohorts, IReadOnlyList<TierFigures> Tiers, NowFigures Now);

/// <summary>Members whose first paid start fell in <see cref="Month"/>, and the share still paid at the end of each month since.</summary>
public sealed record Cohort(DateOnly Month, int Size, IReadOnlyList<decimal> Retention);

public sealed record TierFigures(int TierId, string Name, int PaidMembers, long Mrr);

public sealed record NowFigures(long Mrr, long Arr, int PaidMembers, int FreeMembers, long MrrAtRisk, long? Arpu, decimal? ChurnRate, long? Ltv, int TrueFans);

/// <summary>
/// Builds the dashboard from the same computation as the monthly report (<see cref="CreatorMetrics"/>),
/// one month at a time, plus cohorts and per-tier figures.
/// </summary>
public sealed class DashboardQuery(MembershipDbContext db, CreatorMetrics metrics, TimeProvider clock)
{
    public const int MaxMonths = 120;

    public async Task<DashboardData> LoadAsync(Creator creator, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var months = new List<MonthFigures>();
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            months.Add(await metrics.ForMonthAsync(creator, month, cancellationToken));
        }

        return new DashboardData(creator.Currency, months, await CohortsAsync(creator.Id, from, to, cancellationToken),
            await TiersAsync(creator.Id, cancellationToken), await NowAsync(creator, cancellationToken));
    }

    private async Task<List<Cohort>> CohortsAsync(int creatorId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var firstPaid = await db.MembershipChanges
            .Where(c => c.CreatorId == creatorId && c.MrrAfterMinor > 0)
            .GroupBy(c => c.MemberId)
            .Select(g => new { MemberId = g.Key, First = g.Min(c => c.OccurredAt) })
            .ToListAsync(cancellationToken);
        var cohorts = firstPaid
            .Select(f => (f.MemberId, Month: new DateOnly(f.First.Year, f.First.Month, 1)))
            .Where(f => f.Month >= from && f.Month <= to)
            .GroupBy(f => f.Month)
            .OrderBy(g => g.Key)
            .ToList();
        var paidAtEnd = new Dictionary<DateOnly, HashSet<int>>();
        var result = new List<Cohort>();
        foreach (var cohort in cohorts)
        {
            var members = cohort.Select(c => c.MemberId).ToHashSet();
            var retention = new List<decimal>();
            for (var month = cohort.Key; month <= to; month = month.AddMonths(1))
            {
                if (!paidAtEnd.TryGetValue(month, out var paid))
                {
                    paid = (await metrics.PaidMemberIdsAtAsync(creatorId, CreatorMetrics.Instant(month.AddMonths(1)), cancellationToken)).ToHashSet();
                    paidAtEnd[month] = paid;
                }

                retention.Add((decimal)members.Count(paid.Contains) / members.Count);
            }

            result.Add(new Cohort(cohort.Key, members.Count, retention));
        }

        return result;
    }

    private async Task<List<TierFigures>> TiersAsync(int creatorId, CancellationToken cancellationToken)
    {
        var counting = await db.Subscriptions
            .Where(s => s.CreatorId == creatorId && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue))
            .GroupBy(s => new { s.TierId, s.Interval, s.UnitAmountMinor })
            .Select(g => new { g.Key.TierId, g.Key.Interval, g.Key.UnitAmountMinor, Members = g.Select(s => s.MemberId).Distinct().Count(), Count = g.Count() })
            .ToListAsync(cancellationToken);
        var tiers = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creatorId).OrderBy(t => t.SortOrder).ThenBy(t => t.Id).ToListAsync(cancellationToken);
        return tiers.Select(t => new TierFigures(
                t.Id, t.Name,
                counting.Where(c => c.TierId == t.Id).Sum(c => c.Members),
                counting.Where(c => c.TierId == t.Id).Sum(c => c.Count * Mrr.Monthly(c.Interval, c.UnitAmountMinor))))
            .ToList();
    }

    private async Task<NowFigures> NowAsync(Creator creator, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var lastMonth = await metrics.ForMonthAsync(creator, thisMonth.AddMonths(-1), cancellationToken);
        var (mrr, paid, trueFans) = await metrics.AtAsync(creator, now, cancellationToken);
        var atRisk = await db.Subscriptions
            .Where(s => s.CreatorId == creator.Id && s.CancelAtPeriodEnd && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue))
            .Select(s => new { s.Interval, s.UnitAmountMinor })
            .ToListAsync(cancellationToken);
        var followers = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.Status != MemberStatus.Left, cancellationToken);
        return new NowFigures(
            mrr, 12 * mrr, paid, Math.Max(0, followers - paid), atRisk.Sum(s => Mrr.Monthly(s.Interval, s.UnitAmountMinor)),
            CreatorMetrics.RoundedDivide(mrr, paid), lastMonth.ChurnRate, lastMonth.Ltv, trueFans);
    }
}
