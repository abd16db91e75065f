using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Domain;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Creators;

/// <summary>Free membership: follow a creator, or stop following.</summary>
public sealed class FollowHandler(MembershipDbContext db, TimeProvider clock)
{
    public async Task<Errors> FollowAsync(Creator creator, string userId)
    {
        if (creator.UserId == userId)
        {
            return new Errors().Add("", "This is your own page.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var existing = await db.Members.SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == userId);
        if (existing is not null)
        {
            if (existing.Status == MemberStatus.Left)
            {
                // Back again: a former paying member keeps that history.
                existing.Status = existing.TierId is null ? MemberStatus.Following : MemberStatus.Ended;
                existing.UpdatedAt = now;
                await db.SaveChangesAsync();
            }

            return Errors.None;
        }

        db.Members.Add(new Member
        {
            CreatorId = creator.Id,
            UserId = userId,
            Status = MemberStatus.Following,
            JoinedAt = now,
            UpdatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (!await db.Members.AnyAsync(m => m.CreatorId == creator.Id && m.UserId == userId))
            {
                throw;
            }

            // Two clicks raced; the unique index kept one membership, which is what was asked for.
        }

        return Errors.None;
    }

    /// <summary>Stops following (the row stays, marked left), by <see cref="Leaving"/>'s rule: a paying member cancels their tier instead.</summary>
    public async Task<Errors> UnfollowAsync(Creator creator, string userId)
    {
        var member = await db.Members.SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == userId);
        if (member is null || member.Status == MemberStatus.Left)
        {
            return Errors.None;
        }

        if (Leaving.Refusal(member) is { } refusal)
        {
            return new Errors().Add("", refusal);
        }

        Leaving.Leave(member, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync();
        return Errors.None;
    }
}
