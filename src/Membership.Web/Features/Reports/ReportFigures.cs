using System.Globalization;
using Membership.Web.Infrastructure.Money;

namespace Membership.Web.Features.Reports;

/// <summary>The monthly report's figures as text, the same on the page and in the email.</summary>
public sealed record ReportFigures(MonthFigures Figures)
{
    public string Month => Figures.Month.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    public string Money(long minor) => MoneyFormat.Format(minor, Figures.Currency);

    public string Money(long? minor) => minor is { } value ? Money(value) : "–";

    public static string Rate(decimal? rate) => rate is { } value ? (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "–";

    public static string Signed(long value) => value > 0 ? "+" + value.ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Progress towards 1,000 true fans, 0–100, for the bar.</summary>
    public int ProgressPercent => (int)Math.Min(100, Math.Floor(Figures.TrueFanProgress * 100));

    public int GoalPercent => Figures.YearlyGoal <= 0 ? 0 : (int)Math.Min(100, Figures.Arr * 100 / Figures.YearlyGoal);

    public string Projected => Figures.FansNeeded is null
        ? "–"
        : Figures.NotAtCurrentPace
            ? "not at the current pace"
            : Figures.ProjectedMonth!.Value.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>The template values of the email (monthly-report.*).</summary>
    public Dictionary<string, string> EmailValues(string name, string creator, string pageUrl) => new()
    {
        ["name"] = name,
        ["creator"] = creator,
        ["month"] = Month,
        ["url"] = pageUrl,
        ["mrr"] = Money(Figures.MrrEnd),
        ["mrr_start"] = Money(Figures.MrrStart),
        ["arr"] = Money(Figures.Arr),
        ["goal"] = Money(Figures.YearlyGoal),
        ["goal_percent"] = GoalPercent.ToString(CultureInfo.InvariantCulture),
        ["new_mrr"] = Money(Figures.NewMrr),
        ["reactivation_mrr"] = Money(Figures.ReactivationMrr),
        ["expansion_mrr"] = Money(Figures.ExpansionMrr),
        ["contraction_mrr"] = Money(Figures.ContractionMrr),
        ["churn_mrr"] = Money(Figures.ChurnMrr),
        ["paid"] = Figures.PaidMembersEnd.ToString(CultureInfo.InvariantCulture),
        ["free"] = Figures.FreeMembersEnd.ToString(CultureInfo.InvariantCulture),
        ["new"] = Figures.NewMembers.ToString(CultureInfo.InvariantCulture),
        ["reactivated"] = Figures.ReactivatedMembers.ToString(CultureInfo.InvariantCulture),
        ["churned"] = Figures.ChurnedMembers.ToString(CultureInfo.InvariantCulture),
        ["churn_rate"] = Rate(Figures.ChurnRate),
        ["arpu"] = Money(Figures.Arpu),
        ["gross"] = Money(Figures.RevenueGross),
        ["refunds"] = Money(Figures.Refunds),
        ["fees"] = Money(Figures.PlatformFees),
        ["net"] = Money(Figures.RevenueNet),
        ["true_fans"] = Figures.TrueFansEnd.ToString(CultureInfo.InvariantCulture),
        ["true_fans_change"] = Signed(Figures.TrueFansChange),
        ["threshold"] = Money(Figures.TrueFanThreshold),
        ["progress_percent"] = ProgressPercent.ToString(CultureInfo.InvariantCulture),
        ["fans_needed"] = Figures.FansNeeded?.ToString(CultureInfo.InvariantCulture) ?? "–",
        ["projected"] = Projected,
    };
}
