using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Tiers;

/// <summary>
/// The signed-in creator's tiers. Every action loads the tier through the creator's own id,
/// so another creator's tier id answers 404 on every route.
/// </summary>
[Authorize]
[Route("creator/tiers")]
public sealed class TiersController(MembershipDbContext db, CurrentCreator currentCreator) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var tiers = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id)
            .OrderBy(t => t.SortOrder).ThenBy(t => t.Id).ToListAsync();
        var counts = await TierMembers.CountByTierAsync(db, creator.Id);
        var everJoined = await db.Members.Where(m => m.CreatorId == creator.Id && m.TierId != null)
            .Select(m => m.TierId!.Value).Distinct().ToListAsync();
        return View(new TierListViewModel(
            creator,
            tiers.Select(t => new TierRow(t, counts.GetValueOrDefault(t.Id), everJoined.Contains(t.Id))).ToList()));
    }

    [HttpGet("new")]
    public async Task<IActionResult> New()
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        return View("Form", new TierFormViewModel { Currency = creator.Currency });
    }

    [HttpPost("new")]
    public async Task<IActionResult> New([Bind(Prefix = "Form")] TierRequest request, [FromServices] SaveTierHandler handler)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        if (ModelState.IsValid)
        {
            var (tier, errors) = await handler.SaveAsync(creator, null, request);
            if (!errors.Any)
            {
                TempData["Notice"] = $"Tier \"{tier!.Name}\" is on your page.";
                return RedirectToAction(nameof(Index));
            }

            errors.CopyTo(ModelState, "Form");
        }

        return View("Form", new TierFormViewModel { Currency = creator.Currency, Form = request });
    }

    [HttpGet("{id:int}/edit")]
    public async Task<IActionResult> Edit(int id)
    {
        var (creator, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        return View("Form", new TierFormViewModel
        {
            TierId = tier.Id,
            Currency = creator!.Currency,
            Form = SaveTierHandler.ToForm(tier, creator.Currency),
            CurrentMembers = await TierMembers.CountAsync(db, tier.Id),
        });
    }

    [HttpPost("{id:int}/edit")]
    public async Task<IActionResult> Edit(int id, [Bind(Prefix = "Form")] TierRequest request, [FromServices] SaveTierHandler handler)
    {
        var (creator, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        if (ModelState.IsValid)
        {
            var (_, errors) = await handler.SaveAsync(creator!, tier, request);
            if (!errors.Any)
            {
                TempData["Notice"] = $"Tier \"{tier.Name}\" is saved.";
                return RedirectToAction(nameof(Index));
            }

            errors.CopyTo(ModelState, "Form");
        }

        return View("Form", new TierFormViewModel
        {
            TierId = id,
            Currency = creator!.Currency,
            Form = request,
            CurrentMembers = await TierMembers.CountAsync(db, id),
        });
    }

    [HttpPost("{id:int}/move")]
    public async Task<IActionResult> Move(int id, string direction, [FromServices] TierCommands commands)
    {
        var (_, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        if (direction is not ("up" or "down"))
        {
            return BadRequest("direction must be \"up\" or \"down\".");
        }

        await commands.MoveAsync(tier, direction == "up");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id:int}/archive")]
    public async Task<IActionResult> Archive(int id, [FromServices] TierCommands commands)
    {
        var (_, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        await commands.ArchiveAsync(tier);
        TempData["Notice"] = $"\"{tier.Name}\" is archived: hidden from new fans, kept by its members.";
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id:int}/restore")]
    public async Task<IActionResult> Restore(int id, [FromServices] TierCommands commands)
    {
        var (_, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        await commands.RestoreAsync(tier);
        TempData["Notice"] = $"\"{tier.Name}\" is back on your page.";
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id:int}/delete")]
    public async Task<IActionResult> Delete(int id, [FromServices] TierCommands commands)
    {
        var (_, tier) = await MyTierAsync(id);
        if (tier is null)
        {
            return NotFound();
        }

        var errors = await commands.DeleteAsync(tier);
        TempData["Notice"] = errors.Any ? errors.Items[0].Message : $"\"{tier.Name}\" is deleted.";
        return RedirectToAction(nameof(Index));
    }

    private Task<Creator?> MyCreatorAsync() => currentCreator.FindAsync(HttpContext.RequestAborted);

    /// <summary>The tier only when it belongs to the signed-in creator: the IDOR guard.</summary>
    private async Task<(Creator? Creator, Tier? Tier)> MyTierAsync(int id)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return (null, null);
        }

        var tier = await db.Tiers.SingleOrDefaultAsync(t => t.Id == id && t.CreatorId == creator.Id);
        return (creator, tier);
    }
}

public sealed record TierListViewModel(Creator Creator, IReadOnlyList<TierRow> Tiers);

public sealed record TierRow(Tier Tier, int Members, bool EverHadMembers);
