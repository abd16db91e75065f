using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Membership.Web.Features.Account;

/// <summary>A signed-in person's own data: download it, or delete the account.</summary>
[Authorize]
[Route("account")]
[Membership.Web.Infrastructure.Stripe.PaymentsUnavailable]
public sealed class PrivacyController(PersonalDataHandler handler) : Controller
{
    [HttpGet("data.json")]
    public async Task<IActionResult> Download(CancellationToken cancellationToken)
    {
        var data = await handler.ExportAsync(User.Id(), cancellationToken);
        if (data is null)
        {
            return NotFound();
        }

        // Everything the site holds about the person: never kept by a browser cache or a proxy.
        Response.Headers.CacheControl = "no-store";
        Response.Headers.ContentDisposition = "attachment; filename=\"my-membership-data.json\"";
        return Json(data);
    }

    [HttpPost("delete")]
    public async Task<IActionResult> Delete(string? confirm, [FromServices] SignInManager<AppUser> signIn, CancellationToken cancellationToken)
    {
        var errors = await handler.DeleteAsync(User.Id(), confirm, cancellationToken);
        if (errors.Any)
        {
            TempData["Notice"] = errors.Items[0].Message;
            TempData["NoticeIsError"] = true;
            return RedirectToAction("Settings", "Account");
        }

        await signIn.SignOutAsync();
        TempData["Notice"] = "Your account is deleted. Your memberships were cancelled and nothing more will be charged.";
        return Redirect("/");
    }
}
