namespace Membership.Data.Entities;

/// <summary>A renewal reminder that was emailed; unique per subscription and period, so it goes once per period.</summary>
public class RenewalReminder
{
    public int Id { get; set; }

    public int SubscriptionId { get; set; }

    /// <summary>The end of the period the reminder announced the renewal of.</summary>
    public DateTime PeriodEnd { get; set; }

    public DateTime SentAt { get; set; }
}
