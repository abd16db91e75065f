namespace Membership.Data.Entities;

/// <summary>
/// A creator's monthly "1,000 true fans" report that was emailed; unique per creator and month,
/// so the report goes once however often (and on however many nodes) the job runs.
/// </summary>
public class MonthlyReport
{
    public int Id { get; set; }

    public int CreatorId { get; set; }

    /// <summary>The first day (UTC) of the month reported on.</summary>
    public DateTime Month { get; set; }

    public DateTime SentAt { get; set; }
}
