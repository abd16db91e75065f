using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Metrics;

/// <summary>The dashboard's figures: a month series, cohort retention, per-tier and "now" (docs/metrics.md names, minor units).</summary>
public sealed record DashboardData(
    string Currency, IReadOnlyList<MonthFigures> Months, IReadOnlyList<Cohort> Cohorts, IReadOnlyList<TierFigures> Tiers, NowFigures Now);


public sealed record TierFigures(int TierId, string Name, int PaidMembers, long Mrr);

public sealed record NowFigures(long Mrr, long Arr, int PaidMembers, int FreeMembers, long MrrAtRisk, long? Arpu, decimal? ChurnRate, long? Ltv, int TrueFans);

/// <summary>
/// Builds the dashboard from the same computation as the monthly report (<see cref="CreatorMetrics"/>),
/// plus per-tier figures and "now".
/// </summary>
public sealed class DashboardQuery(MembershipDbContext db, CreatorMetrics metrics, TimeProvider clock)
{
    public const int MaxMonths = 120;

    public async Task<DashboardData> LoadAsync(Creator creator, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var months = await metrics.ForMonthsAsync(creator, from, to, cancellationToken);
        return new DashboardData(creator.Currency, months, await metrics.CohortsAsync(creator, from, to, cancellationToken),
            await TiersAsync(creator.Id, cancellationToken), await NowAsync(creator, months, cancellationToken));
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

    private async Task<NowFigures> NowAsync(Creator creator, IReadOnlyList<MonthFigures> months, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        // Last month is usually in the range already computed.
        var lastMonth = months.FirstOrDefault(m => m.Month == thisMonth.AddMonths(-1))
            ?? await metrics.ForMonthAsync(creator, thisMonth.AddMonths(-1), cancellationToken);
        // History is never dated ahead of now, so a range ending this month already holds "now".
        long mrr;
        int paid, trueFans, free;
        if (months.Count > 0 && months[^1].Month == thisMonth)
        {
            (mrr, paid, trueFans, free) = (months[^1].MrrEnd, months[^1].PaidMembersEnd, months[^1].TrueFansEnd, months[^1].FreeMembersEnd);
        }
        else
        {
            (mrr, paid, trueFans) = await metrics.NowAsync(creator, cancellationToken);
            var followers = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.Status != MemberStatus.Left, cancellationToken);
            free = Math.Max(0, followers - paid);
        }

        var atRisk = await db.Subscriptions
            .Where(s => s.CreatorId == creator.Id && s.CancelAtPeriodEnd && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.PastDue))
            .Select(s => new { s.Interval, s.UnitAmountMinor })
            .ToListAsync(cancellationToken);
        return new NowFigures(
            mrr, 12 * mrr, paid, free, atRisk.Sum(s => Mrr.Monthly(s.Interval, s.UnitAmountMinor)),
            CreatorMetrics.RoundedDivide(mrr, paid), lastMonth.ChurnRate, lastMonth.Ltv, trueFans);
    }
}
