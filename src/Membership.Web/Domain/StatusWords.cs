using Membership.Data.Entities;

namespace Membership.Web.Domain;

/// <summary>
/// The words a creator reads for a member's status, a line of history and a payment's reason:
/// one vocabulary on the roster, the member page and the exports, never an enum or API name.
/// </summary>
public static class StatusWords
{
    /// <summary>"active", "cancelling", "past due", "ended", "free", "complimentary", "left" (the roster's filter names, in words).</summary>
    public static string Member(MemberStatus status, bool complimentary, bool cancelling) => status switch
    {
        MemberStatus.Active when complimentary => "complimentary",
        MemberStatus.Active when cancelling => "cancelling",
        MemberStatus.Active => "active",
        MemberStatus.PastDue => "past due",
        MemberStatus.Ended => "ended",
        MemberStatus.Left => "left",
        _ => "free",
    };

    public static string Change(MembershipChangeKind kind) => kind switch
    {
        MembershipChangeKind.TrialStarted => "free trial started",
        MembershipChangeKind.Started => "joined",
        MembershipChangeKind.Reactivated => "joined again",
        MembershipChangeKind.Upgraded => "upgraded",
        MembershipChangeKind.Downgraded => "downgraded",
        MembershipChangeKind.ChangedTier => "changed tier",
        MembershipChangeKind.CancelScheduled => "cancellation scheduled",
        MembershipChangeKind.Resumed => "cancellation undone",
        MembershipChangeKind.PastDue => "payment failed",
        MembershipChangeKind.Restored => "payment recovered",
        _ => "ended",
    };

    /// <summary>Stripe's <c>billing_reason</c> of an invoice, in words.</summary>
    public static string PaymentReason(string billingReason) => billingReason switch
    {
        "subscription_create" => "first payment",
        "subscription_cycle" => "renewal",
        "subscription_update" => "tier change",
        "subscription_threshold" => "usage",
        "manual" => "one-off",
        _ => "payment",
    };
}
