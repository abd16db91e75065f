using System.Globalization;
using Membership.Web.Infrastructure.Money;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The membership emails that always go, whatever the member's post-email choice: welcome to a
/// tier, payment receipt, payment failed, trial ending, cancellation scheduled, membership ended, yearly renewal reminder, enrolled by an import. Billing and the jobs send
/// them through the one <see cref="IEmailSender"/>.
/// </summary>
public sealed class TransactionalEmails(EmailTemplates templates)
{
    public EmailMessage Welcome(string to, string name, string creator, string tier, string creatorUrl, string portalUrl) =>
        templates.Render("welcome", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["url"] = creatorUrl, ["portal"] = portalUrl,
        });

    public EmailMessage Receipt(string to, string name, string creator, string tier, long amountMinor, string currency, DateTime paidAt, string invoiceId, string portalUrl) =>
        templates.Render("receipt", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["amount"] = MoneyFormat.Format(amountMinor, currency),
            ["date"] = Date(paidAt), ["invoice"] = invoiceId, ["portal"] = portalUrl,
        });

    public EmailMessage PaymentFailed(string to, string name, string creator, string tier, long amountMinor, string currency, DateTime graceEnds, string portalUrl) =>
        templates.Render("payment-failed", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["amount"] = MoneyFormat.Format(amountMinor, currency),
            ["grace"] = Date(graceEnds), ["portal"] = portalUrl,
        });

    public EmailMessage RenewalReminder(string to, string name, string creator, string tier, long amountMinor, string currency, DateTime renewsAt, string portalUrl) =>
        templates.Render("renewal-reminder", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["amount"] = MoneyFormat.Format(amountMinor, currency),
            ["date"] = Date(renewsAt), ["portal"] = portalUrl,
        });

    /// <summary>A free trial ends soon: when, and what will then be charged each month or year.</summary>
    public EmailMessage TrialEnding(string to, string name, string creator, string tier, long amountMinor, string currency, bool yearly, DateTime trialEnds, string creatorUrl) =>
        templates.Render("trial-ending", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["amount"] = MoneyFormat.Format(amountMinor, currency),
            ["every"] = yearly ? "a year" : "a month", ["date"] = Date(trialEnds), ["url"] = creatorUrl,
        });

    public EmailMessage CancelScheduled(string to, string name, string creator, string tier, DateTime accessEnds, string creatorUrl) =>
        templates.Render("cancel-scheduled", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["date"] = Date(accessEnds), ["url"] = creatorUrl,
        });

    /// <summary>The paid membership is over: <paramref name="lapsed"/> after payments that kept failing, else cancelled.</summary>
    public EmailMessage MembershipEnded(string to, string name, string creator, string tier, DateTime endedAt, bool lapsed, string creatorUrl) =>
        templates.Render("membership-ended", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["tier"] = tier, ["url"] = creatorUrl,
            ["reason"] = lapsed
                ? $"Your {tier} membership ended on {Date(endedAt)}: the payment still did not go through after the last try."
                : $"Your {tier} membership ended on {Date(endedAt)}, as you cancelled it.",
        });

    /// <summary>
    /// A creator's import enrolled this person: who, as what (<paramref name="tier"/> for
    /// complimentary access, null for a free follower), how to sign in (<paramref name="signInUrl"/>
    /// for an account the import made, null for an account they already had) and the one-click leave link.
    /// </summary>
    public EmailMessage ImportedMember(string to, string name, string creator, string? tier, string? signInUrl, string creatorUrl, string leaveUrl) =>
        templates.Render("imported-member", to, new Dictionary<string, string>
        {
            ["name"] = name, ["creator"] = creator, ["url"] = creatorUrl, ["leave"] = leaveUrl,
            ["what"] = tier is null ? " as a free follower" : $" with complimentary access to {tier}",
            ["account"] = signInUrl is null
                ? "You already have an account here with this address: sign in as usual to read their posts."
                : $"An account was made for you with this address. It has no password: sign in with a link sent by email, at {signInUrl}",
        });

    private static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
}
