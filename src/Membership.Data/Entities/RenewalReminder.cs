namespace Membership.Data.Entities;

/// <summary>
/// A reminder that was emailed before a period ends — a yearly renewal, or the end of a free trial
/// (a trial is its subscription's first period); unique per subscription and period, so it goes once per period.
/// </summary>
public class RenewalReminder
{
    public int Id { get; set; }

    public int SubscriptionId { get; set; }

    /// <summary>The end of the period the reminder announced the renewal of.</summary>
    public DateTime PeriodEnd { get; set; }

    public DateTime SentAt { get; set; }
}
