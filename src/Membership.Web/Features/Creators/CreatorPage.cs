using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Creators;

public sealed class CreatorPageViewModel
{
    public required Creator Creator { get; init; }

    public required IReadOnlyList<TierCard> Tiers { get; init; }

    public int FollowerCount { get; init; }

    public bool IsOwner { get; init; }

    public bool IsSignedIn { get; init; }

    /// <summary>The viewer's membership of this creator, if any.</summary>
    public Member? ViewerMembership { get; init; }

    /// <summary>The viewer has (or had) a subscription here, so the billing portal has something to show.</summary>
    public bool HasBilling { get; init; }

    /// <summary>The viewer's membership in words (null for visitors and non-members).</summary>
    public Domain.MembershipStanding? Standing { get; init; }

    /// <summary>The posts, newest first, as this viewer may see them.</summary>
    public FeedPage? Feed { get; init; }
}

/// <summary>A tier as a visitor sees it on the creator's page.</summary>
public sealed record TierCard(Tier Tier, int Members)
{
    public int? PlacesLeft => Tier.MemberCap is { } cap ? Math.Max(0, cap - Members) : null;

    public bool IsFull => PlacesLeft == 0;
}

/// <summary>Builds the public page at <c>/{handle}</c>.</summary>
public sealed class CreatorPageQuery(MembershipDbContext db, Microsoft.Extensions.Options.IOptions<Infrastructure.BillingSettings> billing)
{
    public async Task<CreatorPageViewModel?> LoadAsync(string handle, string? viewerId)
    {
        var creator = await CreatorByHandle.FindAsync(db, handle);
        if (creator is null)
        {
            return null;
        }

        var tiers = await db.Tiers.AsNoTracking()
            .Where(t => t.CreatorId == creator.Id && t.ArchivedAt == null)
            .OrderBy(t => t.SortOrder).ThenBy(t => t.Id)
            .ToListAsync();
        var counts = await TierMembers.CountByTierAsync(db, creator.Id);
        var followers = await db.Members.CountAsync(m => m.CreatorId == creator.Id && m.Status != MemberStatus.Left);
        var membership = viewerId is null
            ? null
            : await db.Members.AsNoTracking().Include(m => m.Tier).SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == viewerId);

        var subscription = membership is null
            ? null
            : await db.Subscriptions.AsNoTracking().Where(s => s.MemberId == membership.Id)
                .OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id).FirstOrDefaultAsync();
        return new CreatorPageViewModel
        {
            Standing = membership is null or { Status: MemberStatus.Left }
                ? null
                : Domain.MembershipStanding.Of(membership, membership.Tier, subscription, creator.Currency, billing.Value.PaymentRetryDays),
            Creator = creator,
            Tiers = tiers.Select(t => new TierCard(t, counts.GetValueOrDefault(t.Id))).ToList(),
            FollowerCount = followers,
            IsOwner = viewerId is not null && viewerId == creator.UserId,
            IsSignedIn = viewerId is not null,
            ViewerMembership = membership is { Status: MemberStatus.Left } ? null : membership,
            HasBilling = subscription is not null,
        };
    }
}
