using Membership.Data.Entities;

namespace Membership.Data.Totals;

/// <summary>The facts of one history line the totals need.</summary>
public sealed record LineFacts(
    long Id, int CreatorId, int MemberId, MembershipChangeKind Kind, long MrrBefore, long MrrAfter,
    long CommitmentBefore, long CommitmentAfter, DateTime OccurredAt);

/// <summary>
/// Sums of totals per creator-month and per cohort cell, added to with a sign: the upkeep adds a
/// member's history with its new lines and takes away the same history without them, leaving
/// exactly what the new lines change.
/// </summary>
public sealed class MonthlyContributions
{
    public Dictionary<(int CreatorId, int Month), CreatorMonthTotal> Months { get; } = [];

    public Dictionary<(int CreatorId, int CohortMonth, int Month), int> Cohorts { get; } = [];

    public CreatorMonthTotal Month(int creatorId, int month)
    {
        if (!Months.TryGetValue((creatorId, month), out var total))
        {
            total = new CreatorMonthTotal { CreatorId = creatorId, Month = month };
            Months[(creatorId, month)] = total;
        }

        return total;
    }

    public void AddCohort(int creatorId, int cohortMonth, int month, int paidChange)
    {
        if (paidChange != 0)
        {
            Cohorts[(creatorId, cohortMonth, month)] = Cohorts.GetValueOrDefault((creatorId, cohortMonth, month)) + paidChange;
        }
    }

    /// <summary>
    /// Adds (sign +1) or takes away (−1) everything one member's history lines contribute:
    /// the MRR, paid and true-fan changes of each line, the month's MRR bridge movement of the
    /// member, and their cohort.
    /// </summary>
    public void AddMemberHistory(IEnumerable<LineFacts> memberLines, long trueFanThreshold, int sign)
    {
        var lines = memberLines.OrderBy(l => l.OccurredAt).ThenBy(l => l.Id).ToList();
        if (lines.Count == 0)
        {
            return;
        }

        var creatorId = lines[0].CreatorId;
        var firstPaid = lines.FirstOrDefault(l => l.MrrAfter > 0);
        var cohort = firstPaid is null ? (int?)null : MonthKey.Of(firstPaid.OccurredAt);
        if (cohort is { } c)
        {
            Month(creatorId, c).FirstPaidMembers += sign;
        }

        foreach (var line in lines)
        {
            var total = Month(creatorId, MonthKey.Of(line.OccurredAt));
            total.MrrChangeMinor += sign * (line.MrrAfter - line.MrrBefore);
            total.PaidChange += sign * PaidChange(line.MrrBefore, line.MrrAfter);
            total.TrueFanChange += sign * (IsTrueFan(line.MrrAfter, line.CommitmentAfter, trueFanThreshold)
                - IsTrueFan(line.MrrBefore, line.CommitmentBefore, trueFanThreshold));
            if (cohort is { } cohortMonth)
            {
                AddCohort(creatorId, cohortMonth, MonthKey.Of(line.OccurredAt), sign * PaidChange(line.MrrBefore, line.MrrAfter));
            }
        }

        foreach (var month in lines.GroupBy(l => MonthKey.Of(l.OccurredAt)))
        {
            var was = month.First().MrrBefore;
            var now = was + month.Sum(l => l.MrrAfter - l.MrrBefore);
            AddMovement(Month(creatorId, month.Key), was, now, month.Any(l => l.Kind == MembershipChangeKind.Started), sign);
        }
    }

    /// <summary>
    /// One member's movement in one month's MRR bridge (docs/metrics.md): from their MRR at the start
    /// of the month (<paramref name="was"/>) to the end (<paramref name="now"/>); a start from
    /// nothing is new when the month holds their first paid start, otherwise a reactivation.
    /// </summary>
    public static void AddMovement(CreatorMonthTotal total, long was, long now, bool firstPaidStart, int sign)
    {
        if (was == 0 && now > 0)
        {
            if (firstPaidStart)
            {
                total.NewMrrMinor += sign * now;
                total.NewMembers += sign;
            }
            else
            {
                total.ReactivationMrrMinor += sign * now;
                total.ReactivatedMembers += sign;
            }
        }
        else if (was > 0 && now == 0)
        {
            total.ChurnMrrMinor += sign * was;
            total.ChurnedMembers += sign;
        }
        else if (was > 0 && now > was)
        {
            total.ExpansionMrrMinor += sign * (now - was);
        }
        else if (was > 0 && now < was)
        {
            total.ContractionMrrMinor += sign * (was - now);
        }
    }

    public static int PaidChange(long mrrBefore, long mrrAfter) => (mrrAfter > 0 ? 1 : 0) - (mrrBefore > 0 ? 1 : 0);

    public static int IsTrueFan(long mrr, long commitment, long threshold) => mrr > 0 && commitment >= threshold ? 1 : 0;

    public static bool IsEmpty(CreatorMonthTotal t) =>
        t is { MrrChangeMinor: 0, PaidChange: 0, TrueFanChange: 0, FollowersJoined: 0, NewMrrMinor: 0, ReactivationMrrMinor: 0, ExpansionMrrMinor: 0,
            ContractionMrrMinor: 0, ChurnMrrMinor: 0, NewMembers: 0, ReactivatedMembers: 0, ChurnedMembers: 0, FirstPaidMembers: 0,
            GrossMinor: 0, PlatformFeesMinor: 0, RefundsMinor: 0 };
}
