using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Metrics;

/// <summary>The creator's dashboard and its figures as JSON; always the signed-in creator's own.</summary>
[Authorize]
[Route("creator/dashboard")]
public sealed class DashboardController(DashboardQuery dashboard, CreatorMetrics metrics, TimeProvider clock, CurrentCreator currentCreator) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(string? range, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var to = ThisMonth();
        var first = await metrics.FirstMonthAsync(creator, cancellationToken);
        DateOnly from;
        switch (range ?? "12")
        {
            case "3" or "12" or "24":
                from = to.AddMonths(1 - int.Parse(range ?? "12", CultureInfo.InvariantCulture));
                break;
            case "all":
                from = first;
                break;
            default:
                return BadRequest("Range is 3, 12, 24 or all (months).");
        }

        if (from < first)
        {
            from = first;
        }

        if (from < to.AddMonths(1 - DashboardQuery.MaxMonths))
        {
            from = to.AddMonths(1 - DashboardQuery.MaxMonths);
        }

        var data = await dashboard.LoadAsync(creator, from, to, cancellationToken);
        return View(new DashboardViewModel(creator, range ?? "12", from, to, data));
    }

    /// <summary>Every figure per month from <paramref name="from"/> to <paramref name="to"/> (yyyy-MM, both included), money in minor units.</summary>
    [HttpGet("metrics.json")]
    public async Task<IActionResult> Metrics(string? from, string? to, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return NotFound();
        }

        var (start, end, error) = MonthRange.Read(from, to, ThisMonth());
        if (error is not null)
        {
            return BadRequest(new { error });
        }

        var data = await dashboard.LoadAsync(creator, start, end, cancellationToken);
        return Json(MetricsJson.From(data));
    }

    private DateOnly ThisMonth()
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return new DateOnly(today.Year, today.Month, 1);
    }

    private Task<Creator?> MyCreatorAsync(CancellationToken cancellationToken) => currentCreator.FindAsync(cancellationToken);
}

/// <summary>
/// The months metrics.json is asked for: <c>yyyy-MM</c>, from 2000-01 to this month (a month that has
/// not begun has no figures, and the far future would overflow the calendar in the computation),
/// <c>from</c> not after <c>to</c>, at most <see cref="DashboardQuery.MaxMonths"/> of them.
/// </summary>
public static class MonthRange
{
    public static readonly DateOnly Earliest = new(2000, 1, 1);

    /// <summary>The range, or why it cannot be read (the other values are then meaningless).</summary>
    public static (DateOnly From, DateOnly To, string? Error) Read(string? from, string? to, DateOnly thisMonth)
    {
        var end = thisMonth;
        if (to is not null && Problem(to, thisMonth, out end) is { } toProblem)
        {
            return (default, default, "to: " + toProblem);
        }

        var start = end.AddMonths(-11);
        if (from is not null && Problem(from, thisMonth, out start) is { } fromProblem)
        {
            return (default, default, "from: " + fromProblem);
        }

        if (start > end)
        {
            return (default, default, "from must not be after to.");
        }

        if (start.AddMonths(DashboardQuery.MaxMonths - 1) < end)
        {
            return (default, default, $"At most {DashboardQuery.MaxMonths} months at a time.");
        }

        return (start, end, null);
    }

    private static string? Problem(string text, DateOnly thisMonth, out DateOnly month)
    {
        if (text.Length != 7 || !DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month))
        {
            month = default;
            return $"\"{text}\" is not a month written yyyy-MM (e.g. {thisMonth.ToString("yyyy-MM", CultureInfo.InvariantCulture)}).";
        }

        if (month < Earliest)
        {
            return $"{text} is before {Earliest.ToString("yyyy-MM", CultureInfo.InvariantCulture)}, the first month with figures.";
        }

        return month > thisMonth
            ? $"{text} has not begun: the last month with figures is this one, {thisMonth.ToString("yyyy-MM", CultureInfo.InvariantCulture)}."
            : null;
    }
}

public sealed record DashboardViewModel(Creator Creator, string Range, DateOnly From, DateOnly To, DashboardData Data);

/// <summary>The JSON shape of <c>metrics.json</c>: docs/metrics.md's names in snake case, money in minor units, rates as fractions (null when undefined).</summary>
public static class MetricsJson
{
    public static object From(DashboardData data) => new
    {
        currency = data.Currency,
        months = data.Months.Select(m => new
        {
            month = m.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            mrr_start = m.MrrStart,
            mrr = m.MrrEnd,
            arr = m.Arr,
            new_mrr = m.NewMrr,
            reactivation_mrr = m.ReactivationMrr,
            expansion_mrr = m.ExpansionMrr,
            contraction_mrr = m.ContractionMrr,
            churn_mrr = m.ChurnMrr,
            new_members = m.NewMembers,
            reactivated_members = m.ReactivatedMembers,
            churned_members = m.ChurnedMembers,
            paid_members_start = m.PaidMembersStart,
            paid_members = m.PaidMembersEnd,
            free_members = m.FreeMembersEnd,
            churn_rate = m.ChurnRate,
            mrr_churn_rate = m.MrrChurnRate,
            arpu = m.Arpu,
            ltv = m.Ltv,
            revenue_gross = m.RevenueGross,
            refunds = m.Refunds,
            platform_fees = m.PlatformFees,
            revenue_net = m.RevenueNet,
            true_fans = m.TrueFansEnd,
            true_fans_change = m.TrueFansChange,
            fans_needed = m.FansNeeded,
            projected_month = m.NotAtCurrentPace ? "not at the current pace" : m.ProjectedMonth?.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        }),
        cohorts = data.Cohorts.Select(c => new { month = c.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), size = c.Size, retention = c.Retention }),
        tiers = data.Tiers.Select(t => new { tier_id = t.TierId, name = t.Name, paid_members = t.PaidMembers, mrr = t.Mrr }),
        now = new
        {
            mrr = data.Now.Mrr,
            arr = data.Now.Arr,
            paid_members = data.Now.PaidMembers,
            free_members = data.Now.FreeMembers,
            mrr_at_risk = data.Now.MrrAtRisk,
            arpu = data.Now.Arpu,
            churn_rate = data.Now.ChurnRate,
            ltv = data.Now.Ltv,
            true_fans = data.Now.TrueFans,
        },
    };
}
