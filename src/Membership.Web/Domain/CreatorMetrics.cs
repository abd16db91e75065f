using Membership.Data;
using Membership.Data.Entities;
using Membership.Data.Totals;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>
/// The figures of docs/metrics.md for one creator, month by month (calendar months, UTC). They come
/// from the creator's monthly totals (<see cref="CreatorMonthTotal"/>: the MRR, paid and true-fan
/// changes, the MRR bridge, followers, revenue and cohort changes of each month, summed in the
/// database as history is written and rebuilt from it by SQL aggregation when needed), so a view
/// reads a few dozen rows whatever the size of the history. Figures at the start of a month are
/// the sums of every earlier month's changes. The monthly report, the dashboard and metrics.json
/// all come from here.
/// </summary>
/// <remarks>
/// Choices docs/metrics.md leaves open are in docs/metrics.md.
/// </remarks>
public sealed class CreatorMetrics(MembershipDbContext db, IServiceScopeFactory scopes, TimeProvider clock)
{
    // Creators whose totals this request has found built: a dashboard asks three times.
    private readonly HashSet<int> _built = [];

    public async Task<MonthFigures> ForMonthAsync(Creator creator, DateOnly month, CancellationToken cancellationToken) =>
        (await ForMonthsAsync(creator, month, month, cancellationToken))[0];

    /// <summary>Every month from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public async Task<IReadOnlyList<MonthFigures>> ForMonthsAsync(Creator creator, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await EnsureTotalsAsync(creator, cancellationToken);
        from = First(from);
        to = First(to);
        // LTV looks back two months, the projection three.
        var earliest = from.AddMonths(-3);
        var earliestKey = MonthKey.Of(earliest);
        var toKey = MonthKey.Of(to);

        var before = await db.CreatorMonthTotals
            .Where(t => t.CreatorId == creator.Id && t.Month < earliestKey)
            .GroupBy(t => t.CreatorId)
            .Select(g => new { Mrr = g.Sum(t => t.MrrChangeMinor), Paid = g.Sum(t => t.PaidChange), Fans = g.Sum(t => t.TrueFanChange), Followers = g.Sum(t => t.FollowersJoined) })
            .SingleOrDefaultAsync(cancellationToken);
        var totals = await db.CreatorMonthTotals.AsNoTracking()
            .Where(t => t.CreatorId == creator.Id && t.Month >= earliestKey && t.Month <= toKey)
            .ToDictionaryAsync(t => t.Month, cancellationToken);
        CreatorMonthTotal TotalOf(DateOnly month) => totals.GetValueOrDefault(MonthKey.Of(month)) ?? new CreatorMonthTotal();

        // Figures at the start of each month: running sums of every earlier month's changes.
        var atStart = new Dictionary<DateOnly, (long Mrr, int Paid, int Fans, int Followers)>();
        var (mrr, paid, fans, followers) = (before?.Mrr ?? 0, before?.Paid ?? 0, before?.Fans ?? 0, before?.Followers ?? 0);
        for (var month = earliest; month <= to.AddMonths(1); month = month.AddMonths(1))
        {
            atStart[month] = (mrr, paid, fans, followers);
            var total = TotalOf(month);
            mrr += total.MrrChangeMinor;
            paid += total.PaidChange;
            fans += total.TrueFanChange;
            followers += total.FollowersJoined;
        }

        decimal? ChurnRate(DateOnly month) => atStart[month].Paid == 0 ? null : (decimal)TotalOf(month).ChurnedMembers / atStart[month].Paid;

        var result = new List<MonthFigures>();
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            var current = TotalOf(month);
            var next = month.AddMonths(1);
            var (mrrStart, paidStart) = (atStart[month].Mrr, atStart[month].Paid);
            var (mrrEnd, paidEnd) = (atStart[next].Mrr, atStart[next].Paid);
            var arpu = RoundedDivide(mrrEnd, paidEnd);
            var rates = new[] { ChurnRate(month.AddMonths(-2)), ChurnRate(month.AddMonths(-1)), ChurnRate(month) }
                .Where(r => r is not null).Select(r => r!.Value).ToList();
            long? ltv = arpu is { } a && rates.Count > 0 && rates.Average() > 0
                ? (long)Math.Round(a / rates.Average(), MidpointRounding.AwayFromZero)
                : null;
            long? fansNeeded = arpu is > 0 ? (long)Math.Ceiling(creator.YearlyGoalMinor / (12m * arpu.Value)) : null;
            // Growth = (paid at the end of m − paid at the end of m−3) ÷ 3, kept as a fraction so the ceiling is exact.
            var growthOverThreeMonths = paidEnd - atStart[month.AddMonths(-2)].Paid;
            DateOnly? projected = null;
            var notAtThisPace = false;
            if (fansNeeded is { } needed)
            {
                if (paidEnd >= needed)
                {
                    projected = month;
                }
                else if (growthOverThreeMonths <= 0)
                {
                    notAtThisPace = true;
                }
                else
                {
                    var monthsToGo = ((needed - paidEnd) * 3 + growthOverThreeMonths - 1) / growthOverThreeMonths;
                    projected = monthsToGo > 12 * 1000 ? null : month.AddMonths((int)monthsToGo);
                    notAtThisPace = projected is null;
                }
            }

            result.Add(new MonthFigures
            {
                Month = month,
                Currency = creator.Currency,
                MrrStart = mrrStart,
                MrrEnd = mrrEnd,
                NewMrr = current.NewMrrMinor,
                ReactivationMrr = current.ReactivationMrrMinor,
                ExpansionMrr = current.ExpansionMrrMinor,
                ContractionMrr = current.ContractionMrrMinor,
                ChurnMrr = current.ChurnMrrMinor,
                NewMembers = current.NewMembers,
                ReactivatedMembers = current.ReactivatedMembers,
                ChurnedMembers = current.ChurnedMembers,
                PaidMembersStart = paidStart,
                PaidMembersEnd = paidEnd,
                FreeMembersEnd = Math.Max(0, atStart[next].Followers - paidEnd),
                ChurnRate = ChurnRate(month),
                MrrChurnRate = mrrStart == 0 ? null : (decimal)(current.ChurnMrrMinor + current.ContractionMrrMinor) / mrrStart,
                Arpu = arpu,
                Ltv = ltv,
                RevenueGross = current.GrossMinor,
                Refunds = current.RefundsMinor,
                PlatformFees = current.PlatformFeesMinor,
                TrueFansStart = atStart[month].Fans,
                TrueFansEnd = atStart[next].Fans,
                YearlyGoal = creator.YearlyGoalMinor,
                TrueFanThreshold = creator.TrueFanThresholdMinor,
                FansNeeded = fansNeeded,
                ProjectedMonth = projected,
                NotAtCurrentPace = notAtThisPace,
            });
        }

        return result;
    }

    /// <summary>MRR, paid members and true fans now (history is never dated ahead of now).</summary>
    public async Task<(long Mrr, int Paid, int TrueFans)> NowAsync(Creator creator, CancellationToken cancellationToken)
    {
        await EnsureTotalsAsync(creator, cancellationToken);
        var totals = await db.CreatorMonthTotals
            .Where(t => t.CreatorId == creator.Id)
            .GroupBy(t => t.CreatorId)
            .Select(g => new { Mrr = g.Sum(t => t.MrrChangeMinor), Paid = g.Sum(t => t.PaidChange), Fans = g.Sum(t => t.TrueFanChange) })
            .SingleOrDefaultAsync(cancellationToken);
        return totals is null ? (0, 0, 0) : (totals.Mrr, totals.Paid, totals.Fans);
    }

    /// <summary>
    /// Cohort retention: for each month in the range with first paid starts, its size and, for
    /// every month since, the share of it that was paid at that month's end.
    /// </summary>
    public async Task<List<Cohort>> CohortsAsync(Creator creator, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await EnsureTotalsAsync(creator, cancellationToken);
        var (fromKey, toKey) = (MonthKey.Of(from), MonthKey.Of(to));
        var sizes = await db.CreatorMonthTotals
            .Where(t => t.CreatorId == creator.Id && t.Month >= fromKey && t.Month <= toKey && t.FirstPaidMembers > 0)
            .Select(t => new { t.Month, t.FirstPaidMembers })
            .ToListAsync(cancellationToken);
        var changes = (await db.CohortMonthTotals
                .Where(t => t.CreatorId == creator.Id && t.CohortMonth >= fromKey && t.CohortMonth <= toKey && t.Month <= toKey)
                .Select(t => new { t.CohortMonth, t.Month, t.PaidChange })
                .ToListAsync(cancellationToken))
            .ToDictionary(t => (t.CohortMonth, t.Month), t => t.PaidChange);

        var cohorts = new List<Cohort>();
        foreach (var size in sizes.OrderBy(s => s.Month))
        {
            var cohort = MonthKey.ToDate(size.Month);
            var paid = 0;
            var retention = new List<decimal>();
            for (var month = cohort; month <= First(to); month = month.AddMonths(1))
            {
                paid += changes.GetValueOrDefault((size.Month, MonthKey.Of(month)));
                retention.Add((decimal)paid / size.FirstPaidMembers);
            }

            cohorts.Add(new Cohort(cohort, size.FirstPaidMembers, retention));
        }

        return cohorts;
    }

    /// <summary>The page's first month: its creation, or its earliest history (imported or generated histories start before it).</summary>
    public async Task<DateOnly> FirstMonthAsync(Creator creator, CancellationToken cancellationToken)
    {
        var earliest = await db.MembershipChanges.Where(c => c.CreatorId == creator.Id).MinAsync(c => (DateTime?)c.OccurredAt, cancellationToken);
        var first = earliest is { } e && e < creator.CreatedAt ? e : creator.CreatedAt;
        return new DateOnly(first.Year, first.Month, 1);
    }

    /// <summary>Builds the creator's totals from the history when they never were (or the true-fan threshold changed).</summary>
    private async Task EnsureTotalsAsync(Creator creator, CancellationToken cancellationToken)
    {
        if (creator.TotalsBuiltAt is not null || _built.Contains(creator.Id))
        {
            return;
        }

        if (!await db.Creators.AnyAsync(c => c.Id == creator.Id && c.TotalsBuiltAt != null, cancellationToken))
        {
            // Its own context: the build clears what it tracks, and the caller's entities stay as they are.
            await using var scope = scopes.CreateAsyncScope();
            await MonthlyTotalsBuild.BuildAsync(
                scope.ServiceProvider.GetRequiredService<MembershipDbContext>(), creator.Id, clock.GetUtcNow().UtcDateTime, cancellationToken);
        }

        _built.Add(creator.Id);
    }

    public static DateTime Instant(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    private static DateOnly First(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>Minor-unit division rounded half away from zero; null when dividing by zero.</summary>
    public static long? RoundedDivide(long amount, long count) =>
        count == 0 ? null : (long)Math.Round((decimal)amount / count, MidpointRounding.AwayFromZero);
}

/// <summary>One month of a creator's figures (docs/metrics.md names), money in minor units of <see cref="Currency"/>.</summary>
public sealed record MonthFigures
{
    public DateOnly Month { get; init; }
    public string Currency { get; init; } = "";
    public long MrrStart { get; init; }
    public long MrrEnd { get; init; }
    public long Arr => 12 * MrrEnd;
    public long NewMrr { get; init; }
    public long ReactivationMrr { get; init; }
    public long ExpansionMrr { get; init; }
    public long ContractionMrr { get; init; }
    public long ChurnMrr { get; init; }
    public int NewMembers { get; init; }
    public int ReactivatedMembers { get; init; }
    public int ChurnedMembers { get; init; }
    public int PaidMembersStart { get; init; }
    public int PaidMembersEnd { get; init; }
    public int FreeMembersEnd { get; init; }
    public decimal? ChurnRate { get; init; }
    public decimal? MrrChurnRate { get; init; }
    public long? Arpu { get; init; }
    public long? Ltv { get; init; }
    public long RevenueGross { get; init; }
    public long Refunds { get; init; }
    public long PlatformFees { get; init; }
    public long RevenueNet => RevenueGross - Refunds - PlatformFees;
    public int TrueFansStart { get; init; }
    public int TrueFansEnd { get; init; }
    public int TrueFansChange => TrueFansEnd - TrueFansStart;
    public decimal TrueFanProgress => TrueFansEnd / 1000m;
    public long YearlyGoal { get; init; }
    public long TrueFanThreshold { get; init; }
    public long? FansNeeded { get; init; }
    public DateOnly? ProjectedMonth { get; init; }
    public bool NotAtCurrentPace { get; init; }

    /// <summary>The bridge closes: MRR at the end = start + new + reactivation + expansion − contraction − churn.</summary>
    public bool BridgeCloses => MrrEnd == MrrStart + NewMrr + ReactivationMrr + ExpansionMrr - ContractionMrr - ChurnMrr;
}

/// <summary>Members whose first paid start fell in <see cref="Month"/>, and the share still paid at the end of each month since.</summary>
public sealed record Cohort(DateOnly Month, int Size, IReadOnlyList<decimal> Retention);
