using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Membership.Web.Features.SimulatedPayments;

/// <summary>
/// <c>/admin/payments</c>: the built-in Stripe emulator's clock and events, for admins, and only
/// while payments are simulated (404 with real Stripe keys). Moving the clock is how a renewal,
/// a failed payment's retries or the end of a cancelled membership are made to happen.
/// </summary>
[Authorize(Roles = Roles.Admin)]
[Route("admin/payments")]
public sealed class SimulatedPaymentsController : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromServices] SimulatedPaymentsQuery query, CancellationToken cancellationToken)
    {
        var view = await query.HandleAsync(cancellationToken);
        return view is null ? NotFound() : View(view);
    }

    [HttpPost("advance")]
    public async Task<IActionResult> Advance([FromForm] string? step, [FromServices] AdvanceSimulatedClock advance, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<ClockStep>(step, out var chosen) || !Enum.IsDefined(chosen) || int.TryParse(step, out _))
        {
            return BadRequest("Choose a day, a week, a month or the next renewal.");
        }

        var now = await advance.HandleAsync(chosen, cancellationToken);
        if (now is null)
        {
            return NotFound();
        }

        TempData["Notice"] = $"Simulated time is now {now.Value.UtcDateTime:d MMMM yyyy, HH:mm} UTC. What fell due has happened; its events are listed below as they are delivered.";
        return RedirectToAction(nameof(Index));
    }
}
