using System.Globalization;
using Membership.Data;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Home;

/// <summary>The front page: what the site is, and the newest creator pages.</summary>
public sealed class HomeController(NewestCreatorsQuery newest, ILogger<HomeController> logger) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index() => View(await newest.HandleAsync(12, HttpContext.RequestAborted));

    /// <summary>
    /// The exception handler's page. A failure the visitor can act on (<see cref="RequestFailures"/>:
    /// a form over the limits, a database in trouble) gets its status and reason — as JSON for the
    /// JSON endpoints and webhooks — and anything else the plain 500 page.
    /// </summary>
    // Re-executed with the failed request's method: a failed POST must still get its 500 page, not an antiforgery 400.
    [IgnoreAntiforgeryToken]
    [Route("error")]
    public IActionResult Error()
    {
        var handled = HttpContext.Features.Get<IExceptionHandlerPathFeature>();
        if (PlainHttp.IsCause(HttpContext, handled?.Error))
        {
            // Not the site failing: HTTPS is required and this request came over plain HTTP. Say what to set.
            var page = View("PlainHttp");
            page.StatusCode = StatusCodes.Status400BadRequest;
            return page;
        }

        if (handled?.Error is not { } exception || RequestFailures.Classify(exception) is not { } failure)
        {
            return View("Error", new ErrorViewModel(StatusCodes.Status500InternalServerError));
        }

        Response.StatusCode = failure.StatusCode;
        if (failure.RetryAfter is { } wait)
        {
            Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        if (failure.StatusCode < 500)
        {
            // The visitor's input, not the site's error: the exception handler does not log these.
            logger.LogInformation("Refused {Method} {Path}: {Reason}", Request.Method, handled.Path, failure.Reason);
        }

        return WantsJson(handled.Path)
            ? new JsonResult(new { error = failure.Reason }) { StatusCode = failure.StatusCode }
            : View("Error", new ErrorViewModel(failure.StatusCode, failure.Reason));
    }

    /// <summary>The friendly page for empty 4xx/5xx responses (status code pages re-execute here).</summary>
    [IgnoreAntiforgeryToken]
    [Route("error/{code:int}")]
    public IActionResult Error([FromRoute] int code) => View("Error", new ErrorViewModel(code));

    private bool WantsJson(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("/webhooks/", StringComparison.OrdinalIgnoreCase)
        || (Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase)
            && !Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase));
}

public sealed record CreatorLink(string Handle, string DisplayName, string Bio);
