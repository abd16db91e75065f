using System.Globalization;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Money;

namespace Membership.Web.Domain;

/// <summary>What a fan's membership of one creator is, told in words: the same sentence on the creator's page and on "Your memberships".</summary>
public sealed record MembershipStanding(string Headline, string? Detail, bool CanResume, bool OffersJoin)
{
    /// <summary>
    /// The standing of <paramref name="member"/>, from the member row and their newest
    /// subscription (null when they never paid). <paramref name="paymentRetryDays"/> is how long
    /// Stripe keeps retrying a failed renewal: a past-due member keeps access until the last retry.
    /// </summary>
    public static MembershipStanding Of(Member member, Tier? tier, Subscription? subscription, string currency, int paymentRetryDays)
    {
        var tierName = tier?.Name ?? "your tier";
        if (member.IsComplimentary && member.Status is MemberStatus.Active)
        {
            return new($"You are a member of {tierName}, on the house" + (member.ComplimentaryUntil is { } until ? $" until {Date(until)}." : "."), null, false, false);
        }

        if (subscription is null || member.Status is MemberStatus.Following)
        {
            return new("You follow this page.", "Following is free: you get its public posts. Join a tier below for the members' ones.", false, true);
        }

        var price = MoneyFormat.Format(subscription.UnitAmountMinor, subscription.Currency.Length > 0 ? subscription.Currency : currency);
        var per = subscription.Interval == BillingInterval.Year ? "a year" : "a month";
        switch (subscription.Status)
        {
            case "trialing" when subscription.CancelAtPeriodEnd:
                return new($"Your free trial of {tierName} ends on {Date(subscription.TrialEnd ?? subscription.CurrentPeriodEnd)} and will not continue.",
                    "You keep access until then.", true, false);
            case "trialing":
                return new($"Free trial of {tierName} until {Date(subscription.TrialEnd ?? subscription.CurrentPeriodEnd)}.",
                    $"Then {price} {per}, unless you cancel before.", false, false);
            case "active" when subscription.CancelAtPeriodEnd:
                return new($"Your {tierName} membership is cancelled: it ends on {Date(subscription.CurrentPeriodEnd)}.",
                    "You keep access until then. Changed your mind? Resume it and nothing changes.", true, false);
            case "active":
                return new($"You are a member: {tierName}, {price} {per}.",
                    $"Next payment: {price} on {Date(subscription.CurrentPeriodEnd)}.", false, false);
            case "past_due":
                return new($"Your last payment for {tierName} failed.",
                    $"Update your card (Manage membership): access continues until {Date(subscription.CurrentPeriodStart.AddDays(paymentRetryDays))} while the payment is tried again.", false, false);
        }

        var endedAt = subscription.EndedAt ?? subscription.CanceledAt ?? subscription.CurrentPeriodEnd;
        return new($"Your {tierName} membership ended on {Date(endedAt)}.", "Join again below to read members' posts.", false, true);
    }

    private static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
}
