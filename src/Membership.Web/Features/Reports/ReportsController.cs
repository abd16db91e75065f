using System.Globalization;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Membership.Web.Features.Reports;

/// <summary>The creator's monthly "1,000 true fans" reports, for any past month.</summary>
[Authorize]
[Route("creator/reports")]
public sealed class ReportsController(CurrentCreator currentCreator, CreatorMetrics metrics, TimeProvider clock) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var creator = await currentCreator.FindAsync(HttpContext.RequestAborted);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var last = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        var first = await metrics.FirstMonthAsync(creator, HttpContext.RequestAborted);
        var months = new List<DateOnly>();
        for (var month = last; month >= first && months.Count < 120; month = month.AddMonths(-1))
        {
            months.Add(month);
        }

        return View(months);
    }

    [HttpGet("{month:regex(^\\d{{4}}-\\d{{2}}$)}")]
    public async Task<IActionResult> Show(string month, CancellationToken cancellationToken)
    {
        var creator = await currentCreator.FindAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            || first.Year < 2000
            || first > new DateOnly(today.Year, today.Month, 1).AddMonths(-1))
        {
            // Only months that have ended have a report.
            return NotFound();
        }

        return View(new ReportFigures(await metrics.ForMonthAsync(creator, first, cancellationToken)));
    }
}
