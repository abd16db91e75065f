using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Metrics;

/// <summary>
/// The figures of METRICS.md for one creator and one calendar month (UTC), computed from the
/// membership history (each line carries the member's MRR and yearly commitment after it) and
/// the payment ledger. The monthly report uses it; the dashboards issue builds on it.
/// </summary>
/// <remarks>
/// Choices METRICS.md leaves open (also in docs/metrics.md): a member's state at an instant is
/// their last history line strictly before it; "had paid before" (new vs reactivation) means a
/// paid state at any time before the month began; free members at the end of a month are the
/// creator's current followers who had joined by then and were not paid members then (leaving
/// a free follow is not historised).
/// </remarks>
public sealed class CreatorMetrics(MembershipDbContext db)
{
    public async Task<MonthFigures> ForMonthAsync(Creator creator, DateOnly month, CancellationToken cancellationToken)
    {
        var first = new DateOnly(month.Year, month.Month, 1);
        var start = Instant(first);
        var end = Instant(first.AddMonths(1));

        var current = await BridgeAsync(creator.Id, start, end, cancellationToken);
        var earlier1 = await BridgeAsync(creator.Id, Instant(first.AddMonths(-1)), start, cancellationToken);
        var earlier2 = await BridgeAsync(creator.Id, Instant(first.AddMonths(-2)), Instant(first.AddMonths(-1)), cancellationToken);
        var paidThreeMonthsBefore = await PaidMembersAtAsync(creator.Id, Instant(first.AddMonths(-2)), cancellationToken);

        var gross = await db.Payments.Where(p => p.CreatorId == creator.Id && p.PaidAt >= start && p.PaidAt < end).SumAsync(p => (long?)p.AmountMinor, cancellationToken) ?? 0;
        var fees = await db.Payments.Where(p => p.CreatorId == creator.Id && p.PaidAt >= start && p.PaidAt < end).SumAsync(p => (long?)p.PlatformFeeMinor, cancellationToken) ?? 0;
        var refunds = await db.Refunds.Where(r => r.CreatorId == creator.Id && r.RefundedAt >= start && r.RefundedAt < end).SumAsync(r => (long?)r.AmountMinor, cancellationToken) ?? 0;
        var followers = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.JoinedAt < end && m.Status != MemberStatus.Left, cancellationToken);
        var trueFansStart = await TrueFansAtAsync(creator, start, cancellationToken);
        var trueFansEnd = await TrueFansAtAsync(creator, end, cancellationToken);

        var arpu = RoundedDivide(current.MrrEnd, current.PaidEnd);
        var rates = new[] { earlier2.ChurnRate, earlier1.ChurnRate, current.ChurnRate }.Where(r => r is not null).Select(r => r!.Value).ToList();
        long? ltv = null;
        if (arpu is { } a && rates.Count > 0 && rates.Average() > 0)
        {
            ltv = (long)Math.Round(a / rates.Average(), MidpointRounding.AwayFromZero);
        }

        long? fansNeeded = arpu is > 0 ? (long)Math.Ceiling(creator.YearlyGoalMinor / (12m * arpu.Value)) : null;
        // Growth = (paid at the end of m − paid at the end of m−3) ÷ 3, kept as a fraction so the ceiling is exact.
        var growthOverThreeMonths = current.PaidEnd - paidThreeMonthsBefore;
        DateOnly? projected = null;
        var notAtThisPace = false;
        if (fansNeeded is { } needed)
        {
            if (current.PaidEnd >= needed)
            {
                projected = first;
            }
            else if (growthOverThreeMonths <= 0)
            {
                notAtThisPace = true;
            }
            else
            {
                var missing = (needed - current.PaidEnd) * 3;
                var months = (missing + growthOverThreeMonths - 1) / growthOverThreeMonths;
                projected = months > 12 * 1000 ? null : first.AddMonths((int)months);
                notAtThisPace = projected is null;
            }
        }

        return new MonthFigures
        {
            Month = first,
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
            FreeMembersEnd = Math.Max(0, followers - current.PaidEnd),
            ChurnRate = current.ChurnRate,
            MrrChurnRate = current.MrrStart == 0 ? null : (decimal)(current.ChurnMrr + current.ContractionMrr) / current.MrrStart,
            Arpu = arpu,
            Ltv = ltv,
            RevenueGross = gross,
            Refunds = refunds,
            PlatformFees = fees,
            TrueFansStart = trueFansStart,
            TrueFansEnd = trueFansEnd,
            YearlyGoal = creator.YearlyGoalMinor,
            TrueFanThreshold = creator.TrueFanThresholdMinor,
            FansNeeded = fansNeeded,
            ProjectedMonth = projected,
            NotAtCurrentPace = notAtThisPace,
        };
    }

    /// <summary>Each member's (MRR, commitment) at <paramref name="at"/>: their last history line before it.</summary>
    private IQueryable<MembershipChange> StatesAt(int creatorId, DateTime at) =>
        db.MembershipChanges.Where(c => c.CreatorId == creatorId && c.OccurredAt < at
            && !db.MembershipChanges.Any(d => d.MemberId == c.MemberId && d.OccurredAt < at
                && (d.OccurredAt > c.OccurredAt || (d.OccurredAt == c.OccurredAt && d.Id > c.Id))));

    /// <summary>MRR, paid members and true fans at an instant.</summary>
    public async Task<(long Mrr, int Paid, int TrueFans)> AtAsync(Creator creator, DateTime at, CancellationToken cancellationToken)
    {
        var mrr = await StatesAt(creator.Id, at).SumAsync(c => (long?)c.MrrAfterMinor, cancellationToken) ?? 0;
        return (mrr, await PaidMembersAtAsync(creator.Id, at, cancellationToken), await TrueFansAtAsync(creator, at, cancellationToken));
    }

    /// <summary>The members paid at an instant (for cohorts).</summary>
    public Task<List<int>> PaidMemberIdsAtAsync(int creatorId, DateTime at, CancellationToken cancellationToken) =>
        StatesAt(creatorId, at).Where(c => c.MrrAfterMinor > 0).Select(c => c.MemberId).ToListAsync(cancellationToken);

    private Task<int> PaidMembersAtAsync(int creatorId, DateTime at, CancellationToken cancellationToken) =>
        StatesAt(creatorId, at).CountAsync(c => c.MrrAfterMinor > 0, cancellationToken);

    private Task<int> TrueFansAtAsync(Creator creator, DateTime at, CancellationToken cancellationToken) =>
        StatesAt(creator.Id, at).CountAsync(c => c.MrrAfterMinor > 0 && c.CommitmentAfterMinor >= creator.TrueFanThresholdMinor, cancellationToken);

    /// <summary>The MRR bridge of [start, end): every member's MRR at both ends, compared.</summary>
    private async Task<Bridge> BridgeAsync(int creatorId, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var atStart = await StatesAt(creatorId, start).ToDictionaryAsync(c => c.MemberId, c => c.MrrAfterMinor, cancellationToken);
        var atEnd = await StatesAt(creatorId, end).ToDictionaryAsync(c => c.MemberId, c => c.MrrAfterMinor, cancellationToken);
        var paidBefore = (await db.MembershipChanges
            .Where(c => c.CreatorId == creatorId && c.OccurredAt < start && c.MrrAfterMinor > 0)
            .Select(c => c.MemberId).Distinct().ToListAsync(cancellationToken)).ToHashSet();

        var bridge = new Bridge();
        foreach (var memberId in atStart.Keys.Union(atEnd.Keys))
        {
            var was = atStart.GetValueOrDefault(memberId);
            var now = atEnd.GetValueOrDefault(memberId);
            bridge.MrrStart += was;
            bridge.MrrEnd += now;
            bridge.PaidStart += was > 0 ? 1 : 0;
            bridge.PaidEnd += now > 0 ? 1 : 0;
            if (was == 0 && now > 0)
            {
                if (paidBefore.Contains(memberId))
                {
                    bridge.ReactivationMrr += now;
                    bridge.ReactivatedMembers++;
                }
                else
                {
                    bridge.NewMrr += now;
                    bridge.NewMembers++;
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

        return bridge;
    }

    public static DateTime Instant(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

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
