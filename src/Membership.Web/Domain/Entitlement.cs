using System.Linq.Expressions;
using System.Security.Claims;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>Who is looking, in relation to one creator: the input of every entitlement decision.</summary>
public sealed record Viewer(string? UserId, bool IsOwner, bool IsAdmin, MemberStatus? Status, int? TierId)
{
    public static readonly Viewer Anonymous = new(null, false, false, null, null);

    /// <summary>The creator themself or a site admin: reads everything, drafts included.</summary>
    public bool SeesEverything => IsOwner || IsAdmin;

    /// <summary>Any membership: a free follower or a paying member (docs/metrics.md: "a member"); not one who left.</summary>
    public bool IsMember => Status is not null and not MemberStatus.Left;

    /// <summary>Paid membership that counts (docs/metrics.md): active, or past due within its grace period.</summary>
    public bool IsPaid => Status is MemberStatus.Active or MemberStatus.PastDue;
}

/// <summary>
/// The one rule for "may this viewer read this post now?", from the database state alone (no
/// cache, so a change of membership, tier or access applies on the next request). Every surface
/// asks it: post page, creator feed, search, public RSS, private feed, attachments, meta tags,
/// and email. It exists in two equivalent forms: <see cref="CanRead"/> for a loaded post and
/// <see cref="Readable"/> as a query filter; a test checks they agree on every combination.
/// </summary>
public sealed class Entitlement(MembershipDbContext db)
{
    // Asked on every signed-in read: compiled once (infra/bench/pages).
    private static readonly Func<MembershipDbContext, int, string, Task<MembershipState?>> MembershipOf = EF.CompileAsyncQuery(
        (MembershipDbContext db, int creatorId, string userId) => db.Members.AsNoTracking()
            .Where(m => m.CreatorId == creatorId && m.UserId == userId)
            .Select(m => new MembershipState(m.Status, m.TierId))
            .SingleOrDefault());

    public async Task<Viewer> ViewerAsync(ClaimsPrincipal user, Creator creator)
    {
        var userId = user.IdOrNull();
        if (userId is null)
        {
            return Viewer.Anonymous;
        }

        var membership = await MembershipOf(db, creator.Id, userId);
        return Of(user, creator, membership?.Status, membership?.TierId);
    }

    /// <summary>The viewer from a membership already read (<paramref name="status"/> null: none), as <see cref="ViewerAsync"/> makes it.</summary>
    public static Viewer Of(ClaimsPrincipal user, Creator creator, MemberStatus? status, int? tierId) =>
        user.IdOrNull() is { } userId
            ? new Viewer(userId, creator.UserId == userId, user.IsInRole(Roles.Admin), status, tierId)
            : Viewer.Anonymous;

    /// <summary>The viewer behind a private feed token: the member, as they stand now.</summary>
    public static Viewer ForMember(Member member, Creator creator) =>
        new(member.UserId, creator.UserId == member.UserId, false, member.Status, member.TierId);

    /// <summary>Whether the post shows up at all (title, teaser): published, or the viewer sees everything.</summary>
    public static bool CanSee(Viewer viewer, Post post) => post.Status == PostStatus.Published || viewer.SeesEverything;

    /// <summary>Whether the viewer may read below the cut. <paramref name="post"/> needs its <see cref="Post.Tiers"/> loaded.</summary>
    public static bool CanRead(Viewer viewer, Post post)
    {
        if (viewer.SeesEverything)
        {
            return true;
        }

        if (post.Status != PostStatus.Published)
        {
            return false;
        }

        return post.Access switch
        {
            PostAccess.Public => true,
            PostAccess.Members => viewer.IsMember,
            PostAccess.Paid => viewer.IsPaid,
            PostAccess.Tiers => viewer.IsPaid && post.Tiers.Any(t => t.TierId == viewer.TierId),
            _ => false,
        };
    }

    /// <summary>
    /// <see cref="CanRead"/> from the members' side: which of a creator's members (not those who
    /// left) may read a published <paramref name="post"/>, i.e. who gets it by email. Needs
    /// <see cref="Post.Tiers"/> loaded.
    /// </summary>
    public static Expression<Func<Member, bool>> MembersWhoCanRead(Post post)
    {
        var tierIds = post.Tiers.Select(t => t.TierId).ToList();
        return post.Access switch
        {
            PostAccess.Public or PostAccess.Members => member => member.Status != MemberStatus.Left,
            PostAccess.Paid => member => member.Status == MemberStatus.Active || member.Status == MemberStatus.PastDue,
            PostAccess.Tiers => member => (member.Status == MemberStatus.Active || member.Status == MemberStatus.PastDue)
                && member.TierId != null && tierIds.Contains(member.TierId.Value),
            _ => member => false,
        };
    }

    private sealed record MembershipState(MemberStatus Status, int? TierId);

    /// <summary><see cref="CanRead"/> as a query filter, translated to SQL on every provider.</summary>
    public static Expression<Func<Post, bool>> Readable(Viewer viewer)
    {
        if (viewer.SeesEverything)
        {
            return post => true;
        }

        var isMember = viewer.IsMember;
        var isPaid = viewer.IsPaid;
        var tierId = viewer.TierId ?? -1;
        return post => post.Status == PostStatus.Published
            && (post.Access == PostAccess.Public
                || (post.Access == PostAccess.Members && isMember)
                || (post.Access == PostAccess.Paid && isPaid)
                || (post.Access == PostAccess.Tiers && isPaid && post.Tiers.Any(t => t.TierId == tierId)));
    }
}
