using Microsoft.AspNetCore.Mvc;

namespace Membership.Web.Features.Members;

/// <summary>The leave link of an import notice: a page naming the creator with one button (a POST, so a mail scanner opening the link changes nothing).</summary>
public sealed class LeaveController(LeaveImportHandler handler) : Controller
{
    [HttpGet("email/leave/{token}")]
    public async Task<IActionResult> Leave(string token, CancellationToken cancellationToken)
    {
        var standing = await handler.ReadAsync(token, cancellationToken);
        return standing is null ? Invalid() : View(standing);
    }

    /// <summary>The page's button. No sign-in: the signed token names the membership; the antiforgery token comes with the page.</summary>
    [HttpPost("email/leave/{token}")]
    public async Task<IActionResult> LeaveConfirmed(string token, CancellationToken cancellationToken)
    {
        var standing = await handler.LeaveAsync(token, cancellationToken);
        if (standing is null)
        {
            return Invalid();
        }

        if (standing.Refusal is not null)
        {
            Response.StatusCode = StatusCodes.Status409Conflict;
        }

        return View(nameof(Leave), standing);
    }

    private IActionResult Invalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("LeaveInvalid");
    }
}
