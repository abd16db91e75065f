using Membership.Data;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Home;

/// <summary>The front page: what the site is, and the newest creator pages.</summary>
public sealed class HomeController(MembershipDbContext db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var creators = await db.Creators.AsNoTracking()
            .OrderByDescending(c => c.CreatedAt)
            .Take(12)
            .Select(c => new CreatorLink(c.Handle, c.DisplayName, c.Bio))
            .ToListAsync();
        return View(creators);
    }

    // Re-executed with the failed request's method: a failed POST must still get its 500 page, not an antiforgery 400.
    [IgnoreAntiforgeryToken]
    [Route("error")]
    public IActionResult Error()
    {
        if (PlainHttp.IsCause(HttpContext, HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error))
        {
            // Not the site failing: HTTPS is required and this request came over plain HTTP. Say what to set.
            var page = View("PlainHttp");
            page.StatusCode = StatusCodes.Status400BadRequest;
            return page;
        }

        return View(new ErrorViewModel(500));
    }

    /// <summary>The friendly page for empty 4xx/5xx responses (status code pages re-execute here).</summary>
    [IgnoreAntiforgeryToken]
    [Route("error/{code:int}")]
    public IActionResult Error(int code) => View(new ErrorViewModel(code));
}

public sealed record ErrorViewModel(int StatusCode);

public sealed record CreatorLink(string Handle, string DisplayName, string Bio);
