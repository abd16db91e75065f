using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Tiers;

/// <summary>Reorder, archive, restore and delete: the one-button actions on the tier list.</summary>
public sealed class TierCommands(MembershipDbContext db, TimeProvider clock, PublicPageCache pages, IStripeCatalogQueue stripeCatalog)
{
    /// <summary>Swaps the tier with its neighbour above (<paramref name="up"/>) or below, among the creator's tiers.</summary>
    public async Task MoveAsync(Tier tier, bool up)
    {
        var ordered = await db.Tiers.Where(t => t.CreatorId == tier.CreatorId)
            .OrderBy(t => t.SortOrder).ThenBy(t => t.Id).ToListAsync();
        var index = ordered.FindIndex(t => t.Id == tier.Id);
        var target = up ? index - 1 : index + 1;
        if (index < 0 || target < 0 || target >= ordered.Count)
        {
            return;
        }

        (ordered[index], ordered[target]) = (ordered[target], ordered[index]);
        for (var position = 0; position < ordered.Count; position++)
        {
            ordered[position].SortOrder = position + 1;
        }

        await db.SaveChangesAsync();
        await pages.EvictAsync(tier.CreatorId);
        stripeCatalog.CreatorChanged(tier.CreatorId);
    }

    public async Task ArchiveAsync(Tier tier)
    {
        tier.ArchivedAt ??= clock.GetUtcNow().UtcDateTime;
        tier.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        await pages.EvictAsync(tier.CreatorId);
        stripeCatalog.CreatorChanged(tier.CreatorId);
    }

    public async Task RestoreAsync(Tier tier)
    {
        tier.ArchivedAt = null;
        tier.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        await pages.EvictAsync(tier.CreatorId);
        stripeCatalog.CreatorChanged(tier.CreatorId);
    }

    /// <summary>Deletes a tier nobody ever joined; a tier that had members is archived instead.</summary>
    public async Task<Errors> DeleteAsync(Tier tier)
    {
        if (await TierMembers.EverHadMembersAsync(db, tier.Id))
        {
            return new Errors().Add("", $"\"{tier.Name}\" has had members, so it cannot be deleted. Archive it instead: members keep it, nobody new can join.");
        }

        if (await db.CheckoutAttempts.AnyAsync(a => a.TierId == tier.Id))
        {
            return new Errors().Add("", $"Someone has started joining \"{tier.Name}\", so it cannot be deleted. Archive it instead.");
        }

        if (await db.PostTiers.AnyAsync(pt => pt.TierId == tier.Id))
        {
            return new Errors().Add("", $"\"{tier.Name}\" is chosen on some of your posts, so it cannot be deleted. Archive it, or take it off those posts first.");
        }

        db.Tiers.Remove(tier);
        await db.SaveChangesAsync();
        await pages.EvictAsync(tier.CreatorId);
        stripeCatalog.CreatorChanged(tier.CreatorId);
        return Errors.None;
    }
}
