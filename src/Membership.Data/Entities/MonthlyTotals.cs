namespace Membership.Data.Entities;

/// <summary>
/// A creator's raw figures for one calendar month (UTC): the sums every docs/metrics.md figure of that
/// month is derived from. They are written in the same transaction as the history lines,
/// payments, refunds and followers they sum (<see cref="MonthlyTotalsUpkeep"/>), so the dashboard
/// reads a few dozen rows instead of aggregating the whole history on every view.
/// </summary>
/// <remarks>
/// <see cref="MonthlyTotalsBuild"/> recomputes them from the history by SQL aggregation: for
/// creators whose totals were never built (<see cref="Creator.TotalsBuiltAt"/> null) and after a
/// change of the true-fan threshold. Tests check both ways agree.
/// </remarks>
public class CreatorMonthTotal
{
    public int CreatorId { get; set; }

    /// <summary>The month as year × 100 + month (202611).</summary>
    public int Month { get; set; }

    /// <summary>Sum of (MRR after − MRR before) over the month's history lines.</summary>
    public long MrrChangeMinor { get; set; }

    /// <summary>Members who became paying minus members who stopped paying.</summary>
    public int PaidChange { get; set; }

    /// <summary>True fans gained minus true fans lost (at the creator's threshold).</summary>
    public int TrueFanChange { get; set; }

    /// <summary>Members (not left) who joined in the month, free or paid.</summary>
    public int FollowersJoined { get; set; }

    public long NewMrrMinor { get; set; }

    public long ReactivationMrrMinor { get; set; }

    public long ExpansionMrrMinor { get; set; }

    public long ContractionMrrMinor { get; set; }

    public long ChurnMrrMinor { get; set; }

    public int NewMembers { get; set; }

    public int ReactivatedMembers { get; set; }

    public int ChurnedMembers { get; set; }

    /// <summary>Members whose first paid line fell in the month: the size of the month's cohort.</summary>
    public int FirstPaidMembers { get; set; }

    public long GrossMinor { get; set; }

    public long PlatformFeesMinor { get; set; }

    public long RefundsMinor { get; set; }
}

/// <summary>
/// Cohort retention's raw figure: of the members whose first paid month is <see cref="CohortMonth"/>,
/// how many became paying minus how many stopped paying during <see cref="Month"/>.
/// </summary>
public class CohortMonthTotal
{
    public int CreatorId { get; set; }

    public int CohortMonth { get; set; }

    public int Month { get; set; }

    public int PaidChange { get; set; }
}
