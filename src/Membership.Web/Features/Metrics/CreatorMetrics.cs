using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Metrics;

/// <summary>
/// The figures of METRICS.md for one creator, month by month (calendar months, UTC), computed by
/// aggregate queries over the membership history and the ledger: each history line carries the
/// member's MRR and yearly commitment before and after it, and a member's lines form a chain, so
/// a figure at any instant is the sum of (after − before) over the lines before it, and a month's
/// bridge needs only the lines inside the month. Nothing loads every member. The monthly report,
/// the dashboard and metrics.json all come from here.
/// </summary>
/// <remarks>
/// Choices METRICS.md leaves open are in docs/metrics.md.
/// </remarks>
public sealed class CreatorMetrics(MembershipDbContext db)
{
    public async Task<MonthFigures> ForMonthAsync(Creator creator, DateOnly month, CancellationToken cancellationToken) =>
        (await ForMonthsAsync(creator, month, month, cancellationToken))[0];

    /// <summary>Every month from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public async Task<IReadOnlyList<MonthFigures>> ForMonthsAsync(Creator creator, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        from = First(from);
        to = First(to);
        // LTV looks back two months, the projection three.
        var earliest = from.AddMonths(-3);
        var end = Instant(to.AddMonths(1));
        var threshold = creator.TrueFanThresholdMinor;

        var deltas = await db.MembershipChanges
            .Where(c => c.CreatorId == creator.Id && c.OccurredAt < end)
            .GroupBy(c => new { c.OccurredAt.Year, c.OccurredAt.Month })
            .Select(g => new
            {
                g.Key.Year,
                g.Key.Month,
                Mrr = g.Sum(c => c.MrrAfterMinor - c.MrrBeforeMinor),
                Paid = g.Sum(c => (c.MrrAfterMinor > 0 ? 1 : 0) - (c.MrrBeforeMinor > 0 ? 1 : 0)),
                Fans = g.Sum(c => (c.MrrAfterMinor > 0 && c.CommitmentAfterMinor >= threshold ? 1 : 0)
                    - (c.MrrBeforeMinor > 0 && c.CommitmentBeforeMinor >= threshold ? 1 : 0)),
            })
            .ToListAsync(cancellationToken);
        var followersJoined = await db.Members
            .Where(m => m.CreatorId == creator.Id && m.Status != MemberStatus.Left && m.JoinedAt < end)
            .GroupBy(m => new { m.JoinedAt.Year, m.JoinedAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Count = g.Count() })
            .ToListAsync(cancellationToken);

        var bridgeStart = Instant(earliest);
        var movements = await db.MembershipChanges
            .Where(c => c.CreatorId == creator.Id && c.OccurredAt >= bridgeStart && c.OccurredAt < end)
            .GroupBy(c => new { c.MemberId, c.OccurredAt.Year, c.OccurredAt.Month })
            .Select(g => new
            {
                g.Key.Year,
                g.Key.Month,
                Before = g.OrderBy(c => c.OccurredAt).ThenBy(c => c.Id).Select(c => c.MrrBeforeMinor).First(),
                Net = g.Sum(c => c.MrrAfterMinor - c.MrrBeforeMinor),
                FirstPaid = g.Any(c => c.Kind == MembershipChangeKind.Started),
            })
            .ToListAsync(cancellationToken);

        var revenue = await db.Payments
            .Where(p => p.CreatorId == creator.Id && p.PaidAt >= bridgeStart && p.PaidAt < end)
            .GroupBy(p => new { p.PaidAt.Year, p.PaidAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Gross = g.Sum(p => p.AmountMinor), Fees = g.Sum(p => p.PlatformFeeMinor) })
            .ToListAsync(cancellationToken);
        var refunds = await db.Refunds
            .Where(r => r.CreatorId == creator.Id && r.RefundedAt >= bridgeStart && r.RefundedAt < end)
            .GroupBy(r => new { r.RefundedAt.Year, r.RefundedAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Amount = g.Sum(r => r.AmountMinor) })
            .ToListAsync(cancellationToken);

        // Figures at the start of each month: running sums of every earlier month's changes.
        var months = new List<DateOnly>();
        for (var month = earliest; month <= to; month = month.AddMonths(1))
        {
            months.Add(month);
        }

        var atStart = new Dictionary<DateOnly, (long Mrr, int Paid, int Fans, int Followers)>();
        long mrr = deltas.Where(d => new DateOnly(d.Year, d.Month, 1) < earliest).Sum(d => d.Mrr);
        int paid = deltas.Where(d => new DateOnly(d.Year, d.Month, 1) < earliest).Sum(d => d.Paid);
        int fans = deltas.Where(d => new DateOnly(d.Year, d.Month, 1) < earliest).Sum(d => d.Fans);
        int followers = followersJoined.Where(d => new DateOnly(d.Year, d.Month, 1) < earliest).Sum(d => d.Count);
        foreach (var month in months.Append(to.AddMonths(1)))
        {
            atStart[month] = (mrr, paid, fans, followers);
            var d = deltas.FirstOrDefault(x => x.Year == month.Year && x.Month == month.Month);
            mrr += d?.Mrr ?? 0;
            paid += d?.Paid ?? 0;
            fans += d?.Fans ?? 0;
            followers += followersJoined.FirstOrDefault(x => x.Year == month.Year && x.Month == month.Month)?.Count ?? 0;
        }

        var bridges = new Dictionary<DateOnly, Bridge>();
        foreach (var month in months)
        {
            var bridge = new Bridge { MrrStart = atStart[month].Mrr, MrrEnd = atStart[month.AddMonths(1)].Mrr, PaidStart = atStart[month].Paid, PaidEnd = atStart[month.AddMonths(1)].Paid };
            foreach (var member in movements.Where(m => m.Year == month.Year && m.Month == month.Month))
            {
                var was = member.Before;
                var now = member.Before + member.Net;
                if (was == 0 && now > 0)
                {
                    if (member.FirstPaid)
                    {
                        bridge.NewMrr += now;
                        bridge.NewMembers++;
                    }
                    else
                    {
                        bridge.ReactivationMrr += now;
                        bridge.ReactivatedMembers++;
                    }
                }
                else if (was > 0 && now == 0)
                {
                    bridge.ChurnMrr += was;
                    bridge.ChurnedMembers++;
                }
                else if (was > 0 && now > was)
                {
                    bridge.ExpansionMrr += now - was;
                }
                else if (was > 0 && now < was)
                {
                    bridge.ContractionMrr += was - now;
                }
            }

            bridges[month] = bridge;
        }

        var result = new List<MonthFigures>();
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            var current = bridges[month];
            var next = month.AddMonths(1);
            var arpu = RoundedDivide(current.MrrEnd, current.PaidEnd);
            var rates = new[] { bridges[month.AddMonths(-2)].ChurnRate, bridges[month.AddMonths(-1)].ChurnRate, current.ChurnRate }
                .Where(r => r is not null).Select(r => r!.Value).ToList();
            long? ltv = arpu is { } a && rates.Count > 0 && rates.Average() > 0
                ? (long)Math.Round(a / rates.Average(), MidpointRounding.AwayFromZero)
                : null;
            long? fansNeeded = arpu is > 0 ? (long)Math.Ceiling(creator.YearlyGoalMinor / (12m * arpu.Value)) : null;
            // Growth = (paid at the end of m − paid at the end of m−3) ÷ 3, kept as a fraction so the ceiling is exact.
            var growthOverThreeMonths = current.PaidEnd - atStart[month.AddMonths(-2)].Paid;
            DateOnly? projected = null;
            var notAtThisPace = false;
            if (fansNeeded is { } needed)
            {
                if (current.PaidEnd >= needed)
                {
                    projected = month;
                }
                else if (growthOverThreeMonths <= 0)
                {
                    notAtThisPace = true;
                }
                else
                {
                    var monthsToGo = ((needed - current.PaidEnd) * 3 + growthOverThreeMonths - 1) / growthOverThreeMonths;
                    projected = monthsToGo > 12 * 1000 ? null : month.AddMonths((int)monthsToGo);
                    notAtThisPace = projected is null;
                }
            }

            var cash = revenue.FirstOrDefault(r => r.Year == month.Year && r.Month == month.Month);
            result.Add(new MonthFigures
            {
                Month = month,
                Currency = creator.Currency,
                MrrStart = current.MrrStart,
                MrrEnd = current.MrrEnd,
                NewMrr = current.NewMrr,
                ReactivationMrr = current.ReactivationMrr,
                ExpansionMrr = current.ExpansionMrr,
                ContractionMrr = current.ContractionMrr,
                ChurnMrr = current.ChurnMrr,
                NewMembers = current.NewMembers,
                ReactivatedMembers = current.ReactivatedMembers,
                ChurnedMembers = current.ChurnedMembers,
                PaidMembersStart = current.PaidStart,
                PaidMembersEnd = current.PaidEnd,
                FreeMembersEnd = Math.Max(0, atStart[next].Followers - current.PaidEnd),
                ChurnRate = current.ChurnRate,
                MrrChurnRate = current.MrrStart == 0 ? null : (decimal)(current.ChurnMrr + current.ContractionMrr) / current.MrrStart,
                Arpu = arpu,
                Ltv = ltv,
                RevenueGross = cash?.Gross ?? 0,
                Refunds = refunds.FirstOrDefault(r => r.Year == month.Year && r.Month == month.Month)?.Amount ?? 0,
                PlatformFees = cash?.Fees ?? 0,
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

    /// <summary>MRR, paid members and true fans at an instant.</summary>
    public async Task<(long Mrr, int Paid, int TrueFans)> AtAsync(Creator creator, DateTime at, CancellationToken cancellationToken)
    {
        var threshold = creator.TrueFanThresholdMinor;
        var totals = await db.MembershipChanges
            .Where(c => c.CreatorId == creator.Id && c.OccurredAt < at)
            .GroupBy(c => c.CreatorId)
            .Select(g => new
            {
                Mrr = g.Sum(c => c.MrrAfterMinor - c.MrrBeforeMinor),
                Paid = g.Sum(c => (c.MrrAfterMinor > 0 ? 1 : 0) - (c.MrrBeforeMinor > 0 ? 1 : 0)),
                Fans = g.Sum(c => (c.MrrAfterMinor > 0 && c.CommitmentAfterMinor >= threshold ? 1 : 0)
                    - (c.MrrBeforeMinor > 0 && c.CommitmentBeforeMinor >= threshold ? 1 : 0)),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return totals is null ? (0, 0, 0) : (totals.Mrr, totals.Paid, totals.Fans);
    }

    /// <summary>
    /// Cohort retention: for each month in the range with first paid starts, its size and, for
    /// every month since, the share of it that was paid at that month's end.
    /// </summary>
    public async Task<List<Cohort>> CohortsAsync(int creatorId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        from = First(from);
        to = First(to);
        var end = Instant(to.AddMonths(1));
        var start = Instant(from);
        var firsts = db.MembershipChanges
            .Where(c => c.CreatorId == creatorId && c.MrrAfterMinor > 0)
            .GroupBy(c => c.MemberId)
            .Select(g => new { MemberId = g.Key, First = g.Min(c => c.OccurredAt) });
        var sizes = await firsts.Where(f => f.First >= start && f.First < end)
            .GroupBy(f => new { f.First.Year, f.First.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Size = g.Count() })
            .ToListAsync(cancellationToken);
        var changes = await (
                from c in db.MembershipChanges.Where(c => c.CreatorId == creatorId && c.OccurredAt < end)
                join f in firsts on c.MemberId equals f.MemberId
                where f.First >= start && f.First < end
                group c by new { CohortYear = f.First.Year, CohortMonth = f.First.Month, c.OccurredAt.Year, c.OccurredAt.Month } into g
                select new
                {
                    g.Key.CohortYear,
                    g.Key.CohortMonth,
                    g.Key.Year,
                    g.Key.Month,
                    Paid = g.Sum(c => (c.MrrAfterMinor > 0 ? 1 : 0) - (c.MrrBeforeMinor > 0 ? 1 : 0)),
                })
            .ToListAsync(cancellationToken);

        var cohorts = new List<Cohort>();
        foreach (var size in sizes.OrderBy(s => s.Year).ThenBy(s => s.Month))
        {
            var cohort = new DateOnly(size.Year, size.Month, 1);
            var paid = 0;
            var retention = new List<decimal>();
            for (var month = cohort; month <= to; month = month.AddMonths(1))
            {
                paid += changes.Where(c => c.CohortYear == size.Year && c.CohortMonth == size.Month && c.Year == month.Year && c.Month == month.Month).Sum(c => c.Paid);
                retention.Add((decimal)paid / size.Size);
            }

            cohorts.Add(new Cohort(cohort, size.Size, retention));
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

    public static DateTime Instant(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    private static DateOnly First(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>Minor-unit division rounded half away from zero; null when dividing by zero.</summary>
    public static long? RoundedDivide(long amount, long count) =>
        count == 0 ? null : (long)Math.Round((decimal)amount / count, MidpointRounding.AwayFromZero);

    private sealed class Bridge
    {
        public long MrrStart { get; set; }
        public long MrrEnd { get; set; }
        public long NewMrr { get; set; }
        public long ReactivationMrr { get; set; }
        public long ExpansionMrr { get; set; }
        public long ContractionMrr { get; set; }
        public long ChurnMrr { get; set; }
        public int NewMembers { get; set; }
        public int ReactivatedMembers { get; set; }
        public int ChurnedMembers { get; set; }
        public int PaidStart { get; set; }
        public int PaidEnd { get; set; }

        public decimal? ChurnRate => PaidStart == 0 ? null : (decimal)ChurnedMembers / PaidStart;
    }
}

/// <summary>One month of a creator's figures (METRICS.md names), money in minor units of <see cref="Currency"/>.</summary>
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
