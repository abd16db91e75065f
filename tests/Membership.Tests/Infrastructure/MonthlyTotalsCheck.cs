using Membership.Data;
using Membership.Data.Totals;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Infrastructure;

/// <summary>Checks the monthly totals kept with every write equal the ones built from the whole history.</summary>
public static class MonthlyTotalsCheck
{
    public static async Task KeptTotalsEqualBuiltAsync(MembershipDbContext db, int creatorId)
    {
        var built = await MonthlyTotalsBuild.ComputeAsync(db, creatorId, CancellationToken.None);
        var kept = await db.CreatorMonthTotals.AsNoTracking().Where(t => t.CreatorId == creatorId).OrderBy(t => t.Month).ToListAsync();
        var expected = built.Months.Values.Where(t => !MonthlyContributions.IsEmpty(t)).OrderBy(t => t.Month).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(Describe), kept.Where(t => !MonthlyContributions.IsEmpty(t)).Select(Describe));

        var keptCohorts = await db.CohortMonthTotals.AsNoTracking().Where(t => t.CreatorId == creatorId && t.PaidChange != 0)
            .OrderBy(t => t.CohortMonth).ThenBy(t => t.Month).Select(t => $"{t.CohortMonth}/{t.Month}: {t.PaidChange}").ToListAsync();
        var expectedCohorts = built.Cohorts.Where(c => c.Value != 0).OrderBy(c => c.Key.CohortMonth).ThenBy(c => c.Key.Month)
            .Select(c => $"{c.Key.CohortMonth}/{c.Key.Month}: {c.Value}").ToList();
        Assert.Equal(expectedCohorts, keptCohorts);
    }

    private static string Describe(Membership.Data.Entities.CreatorMonthTotal t) =>
        $"{t.Month}: mrr {t.MrrChangeMinor} paid {t.PaidChange} fans {t.TrueFanChange} followers {t.FollowersJoined} "
        + $"bridge {t.NewMrrMinor}/{t.ReactivationMrrMinor}/{t.ExpansionMrrMinor}/{t.ContractionMrrMinor}/{t.ChurnMrrMinor} "
        + $"members {t.NewMembers}/{t.ReactivatedMembers}/{t.ChurnedMembers}/{t.FirstPaidMembers} "
        + $"cash {t.GrossMinor}/{t.PlatformFeesMinor}/{t.RefundsMinor}";
}
