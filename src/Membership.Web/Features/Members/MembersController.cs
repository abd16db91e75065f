using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>The creator's complimentary members: give a tier for free, end it.</summary>
[Authorize]
[Route("creator/complimentary")]
public sealed class MembersController(MembershipDbContext db, CurrentCreator currentCreator) : Controller
{
    /// <summary>The page; <paramref name="email"/> fills the form in (the member page's "Give complimentary access").</summary>
    [HttpGet("")]
    public async Task<IActionResult> Complimentary(string? email)
    {
        var creator = await MyCreatorAsync();
        return creator is null ? RedirectToAction("Setup", "Creators") : View(await LoadAsync(creator, new GrantRequest { Email = email ?? "" }));
    }

    [HttpPost("")]
    public async Task<IActionResult> Grant([Bind(Prefix = "Form")] GrantRequest request, [FromServices] ComplimentaryHandler handler)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var errors = await handler.GrantAsync(creator, request);
        if (errors.Any)
        {
            errors.CopyTo(ModelState, "Form");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View(nameof(Complimentary), await LoadAsync(creator, request));
        }

        TempData["Notice"] = $"{request.Email.Trim()} has complimentary access.";
        return RedirectToAction(nameof(Complimentary));
    }

    [HttpPost("{memberId:int}/end")]
    public async Task<IActionResult> End(int memberId, [FromServices] ComplimentaryHandler handler)
    {
        var creator = await MyCreatorAsync();
        if (creator is null || !await handler.EndAsync(creator, memberId))
        {
            return NotFound();
        }

        TempData["Notice"] = "Complimentary access ended.";
        return RedirectToAction(nameof(Complimentary));
    }

    private async Task<ComplimentaryViewModel> LoadAsync(Creator creator, GrantRequest form) => new(
        form,
        await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id && t.ArchivedAt == null).OrderBy(t => t.SortOrder).ToListAsync(),
        await db.Members.AsNoTracking().Where(m => m.CreatorId == creator.Id && m.IsComplimentary && m.Status == MemberStatus.Active)
            .OrderBy(m => m.User!.Email)
            .Select(m => new ComplimentaryMember(m.Id, m.User!.Email ?? "", m.User.DisplayName, m.Tier!.Name, m.ComplimentaryUntil))
            .ToListAsync());

    private Task<Creator?> MyCreatorAsync() => currentCreator.FindTrackedAsync(HttpContext.RequestAborted);
}

public sealed record ComplimentaryViewModel(GrantRequest Form, List<Tier> Tiers, List<ComplimentaryMember> Members);

public sealed record ComplimentaryMember(int Id, string Email, string Name, string Tier, DateTime? Until);
