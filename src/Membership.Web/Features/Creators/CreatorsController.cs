using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Creators;

/// <summary>Becoming a creator, editing the page, and the public page with follow / join.</summary>
public sealed class CreatorsController(MembershipDbContext db, CurrentCreator currentCreator) : Controller
{
    [Authorize]
    [HttpGet("creator")]
    public async Task<IActionResult> Overview()
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction(nameof(Setup));
        }

        var tiers = await db.Tiers.CountAsync(t => t.CreatorId == creator.Id && t.ArchivedAt == null);
        var members = await db.Members.Where(m => m.CreatorId == creator.Id)
            .GroupBy(m => m.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync();
        return View(new CreatorOverviewViewModel(
            creator,
            tiers,
            members.Where(m => m.Status is MemberStatus.Following or MemberStatus.Ended).Sum(m => m.Count),
            members.Where(m => m.Status is MemberStatus.Active or MemberStatus.PastDue).Sum(m => m.Count)));
    }

    [Authorize]
    [HttpGet("creator/setup")]
    public async Task<IActionResult> Setup([FromServices] CreatorProfileHandler handler, [FromServices] UserManager<AppUser> userManager)
    {
        if (await MyCreatorAsync() is not null)
        {
            return RedirectToAction(nameof(EditProfile));
        }

        var user = await userManager.GetUserAsync(User);
        return View("Profile", new CreatorProfileViewModel { Form = handler.Defaults(user?.DisplayName ?? ""), IsNew = true });
    }

    [Authorize]
    [HttpPost("creator/setup")]
    public async Task<IActionResult> Setup([Bind(Prefix = "Form")] CreatorProfileRequest request, [FromServices] CreatorProfileHandler handler)
    {
        if (await MyCreatorAsync() is not null)
        {
            return RedirectToAction(nameof(EditProfile));
        }

        if (ModelState.IsValid)
        {
            var (_, errors) = await handler.SaveAsync(User.Id(), null, request);
            if (!errors.Any)
            {
                TempData["Notice"] = "Your page is ready. Add the tiers fans can join.";
                return RedirectToAction("Index", "Tiers");
            }

            errors.CopyTo(ModelState, "Form");
        }

        return View("Profile", new CreatorProfileViewModel { Form = request, IsNew = true });
    }

    [Authorize]
    [HttpGet("creator/profile")]
    public async Task<IActionResult> EditProfile([FromServices] CreatorProfileHandler handler)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction(nameof(Setup));
        }

        return View("Profile", new CreatorProfileViewModel
        {
            Form = CreatorProfileHandler.ToForm(creator),
            CurrencyLocked = await handler.HasTiersAsync(creator.Id),
        });
    }

    [Authorize]
    [HttpPost("creator/profile")]
    public async Task<IActionResult> EditProfile([Bind(Prefix = "Form")] CreatorProfileRequest request, [FromServices] CreatorProfileHandler handler)
    {
        var creator = await MyCreatorAsync(tracked: true);
        if (creator is null)
        {
            return RedirectToAction(nameof(Setup));
        }

        if (ModelState.IsValid)
        {
            var (_, errors) = await handler.SaveAsync(creator.UserId, creator, request);
            if (!errors.Any)
            {
                TempData["Notice"] = "Your page is saved.";
                return RedirectToAction(nameof(EditProfile));
            }

            errors.CopyTo(ModelState, "Form");
        }

        return View("Profile", new CreatorProfileViewModel { Form = request, CurrencyLocked = await handler.HasTiersAsync(creator.Id) });
    }

    [HttpGet("{handle}")]
    [OutputCache(PolicyName = PublicPageCache.PolicyName)]
    public async Task<IActionResult> Page(
        string handle,
        int? page,
        [FromServices] CreatorPageQuery query,
        [FromServices] Entitlement entitlement,
        [FromServices] PostReader posts)
    {
        // One open for the page's reads (see PostsController.Show); the scope's context is shared by query, entitlement and posts.
        await db.Database.OpenConnectionAsync(HttpContext.RequestAborted);
        var model = await query.LoadAsync(handle, User.IdOrNull());
        if (model is null)
        {
            return NotFound();
        }

        PublicPageCache.TagCreator(HttpContext, model.Creator.Id);
        var viewer = await entitlement.ViewerAsync(User, model.Creator);
        return View(new CreatorPageViewModel
        {
            Creator = model.Creator,
            Tiers = model.Tiers,
            FollowerCount = model.FollowerCount,
            IsOwner = model.IsOwner,
            IsSignedIn = model.IsSignedIn,
            ViewerMembership = model.ViewerMembership,
            HasBilling = model.HasBilling,
            Standing = model.Standing,
            Feed = await posts.FeedAsync(model.Creator, viewer, page ?? 1),
        });
    }

    [Authorize]
    [HttpPost("{handle}/follow")]
    public async Task<IActionResult> Follow(string handle, [FromServices] FollowHandler handler)
    {
        var creator = await FindByHandleAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        var errors = await handler.FollowAsync(creator, User.Id());
        TempData["Notice"] = errors.Any ? errors.Items[0].Message : $"You follow {creator.DisplayName}.";
        return RedirectToAction(nameof(Page), new { handle = creator.Handle });
    }

    [Authorize]
    [HttpPost("{handle}/unfollow")]
    public async Task<IActionResult> Unfollow(string handle, [FromServices] FollowHandler handler)
    {
        var creator = await FindByHandleAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        var errors = await handler.UnfollowAsync(creator, User.Id());
        TempData["Notice"] = errors.Any ? errors.Items[0].Message : $"You no longer follow {creator.DisplayName}.";
        return RedirectToAction(nameof(Page), new { handle = creator.Handle });
    }

    private Task<Creator?> FindByHandleAsync(string handle)
    {
        var normalized = Handles.Normalize(handle);
        return db.Creators.AsNoTracking().SingleOrDefaultAsync(c => c.Handle == normalized);
    }

    private Task<Creator?> MyCreatorAsync(bool tracked = false) =>
        tracked ? currentCreator.FindTrackedAsync(HttpContext.RequestAborted) : currentCreator.FindAsync(HttpContext.RequestAborted);
}

public sealed record CreatorOverviewViewModel(Creator Creator, int ActiveTiers, int Followers, int PaidMembers);
