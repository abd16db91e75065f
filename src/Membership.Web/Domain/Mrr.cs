using Membership.Data.Entities;

namespace Membership.Web.Domain;

/// <summary>The MRR rules of docs/metrics.md for one subscription, in one place.</summary>
public static class Mrr
{
    /// <summary>Stripe statuses that count: paid for the current period and access not ended.</summary>
    public static bool Counts(string status) => status is StripeStatuses.Active or StripeStatuses.PastDue;

    /// <summary>Statuses that give access: counting ones, and a free trial.</summary>
    public static bool GivesAccess(string status) => Counts(status) || status == StripeStatuses.Trialing;

    /// <summary>
    /// Recurring price normalised to a month: monthly as is, yearly ÷ 12 rounded half away from
    /// zero to the minor unit; 0 when the subscription does not count.
    /// </summary>
    public static long Contribution(string status, BillingInterval interval, long unitAmountMinor) =>
        !Counts(status) ? 0 : Monthly(interval, unitAmountMinor);

    public static long Monthly(BillingInterval interval, long unitAmountMinor) =>
        interval == BillingInterval.Month
            ? unitAmountMinor
            : (long)Math.Round(unitAmountMinor / 12m, MidpointRounding.AwayFromZero);

    public static long Contribution(Subscription subscription) =>
        Contribution(subscription.Status, subscription.Interval, subscription.UnitAmountMinor);
}

/// <summary>Stripe's subscription statuses, as Stripe spells them.</summary>
public static class StripeStatuses
{
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Trialing = "trialing";
    public const string Incomplete = "incomplete";
    public const string IncompleteExpired = "incomplete_expired";
    public const string Unpaid = "unpaid";
    public const string Canceled = "canceled";
    public const string Paused = "paused";
}
