using System.Security.Claims;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>
/// A post as one viewer may see it. <see cref="BodyHtml"/> is null when they may not read it:
/// views render what is here, so locked text never reaches a page they are sent.
/// </summary>
public sealed record PostCard(
    int Id,
    string Title,
    string Slug,
    string Excerpt,
    PostAccess Access,
    PostStatus Status,
    DateTime? PublishedAt,
    string TeaserHtml,
    string? BodyHtml,
    Unlock? Unlock,
    AttachmentLink? Cover,
    IReadOnlyList<AttachmentLink> Attachments)
{
    public bool IsLocked => BodyHtml is null;

    /// <summary>Public words about the post for meta tags, cards and RSS: the excerpt, else the teaser's text.</summary>
    public string Summary { get; init; } = "";
}

public sealed record AttachmentLink(int Id, string FileName, string ContentType, long Length)
{
    public bool IsImage => ContentType.StartsWith("image/", StringComparison.Ordinal);

    public bool IsAudio => ContentType.StartsWith("audio/", StringComparison.Ordinal);
}

/// <summary>What unlocks a locked post: a free follow, or the tiers (cheapest first).</summary>
public sealed record Unlock(bool ByFollowing, IReadOnlyList<Tier> Tiers)
{
    public Tier? Cheapest => Tiers.Count > 0 ? Tiers[0] : null;
}

public sealed record FeedPage(IReadOnlyList<PostCard> Posts, int Page, bool HasNext);

/// <summary>The post page: its creator, who is looking, and the post as they may see it.</summary>
public sealed record PostPage(Creator Creator, Viewer Viewer, PostCard Post);

/// <summary>The post page's one read (<see cref="PostReader.PostPageAsync"/>): the post, its creator, the viewer's membership (none: nulls).</summary>
internal sealed record PostPageRow(Creator Creator, MemberStatus? MemberStatus, int? TierId, PostPageRow.PostColumns Post)
{
    /// <summary>The post's columns the page shows; <paramref name="TeaserTextStart"/> only when there is no excerpt, for the summary.</summary>
    internal sealed record PostColumns(
        int Id, string Title, string Slug, string Excerpt, PostAccess Access, PostStatus Status, DateTime? PublishedAt,
        string TeaserHtml, string MembersHtml, string TeaserTextStart, bool HasAttachments);
}

/// <summary>Loads posts for reading surfaces and applies <see cref="Entitlement"/> to each.</summary>
public sealed class PostReader(MembershipDbContext db)
{
    public const int PageSize = 10;

    // The post page's read, on every view that is not served from the output cache: the post, its
    // creator and the viewer's membership in one statement, compiled once. Three queries cost three
    // statements for SQLite to prepare and three runs through EF; this one also reads only the
    // columns the page shows, not the Markdown and plain text. Measured with infra/bench/pages.
    private static readonly Func<MembershipDbContext, string, string, string, Task<PostPageRow?>> PostPageQuery = EF.CompileAsyncQuery(
        (MembershipDbContext db, string handle, string slug, string userId) =>
            (from p in db.Posts.AsNoTracking()
             join c in db.Creators.AsNoTracking() on p.CreatorId equals c.Id
             where c.Handle == handle && p.Slug == slug
             select new PostPageRow(
                 c,
                 db.Members.Where(m => m.CreatorId == c.Id && m.UserId == userId).Select(m => (MemberStatus?)m.Status).FirstOrDefault(),
                 db.Members.Where(m => m.CreatorId == c.Id && m.UserId == userId).Select(m => m.TierId).FirstOrDefault(),
                 new PostPageRow.PostColumns(
                     p.Id, p.Title, p.Slug, p.Excerpt, p.Access, p.Status, p.PublishedAt, p.TeaserHtml, p.MembersHtml,
                     p.Excerpt == "" ? p.TeaserText.Substring(0, SummaryLength + 1) : "",
                     db.Attachments.Any(a => a.PostId == p.Id))))
            .SingleOrDefault());

    private static readonly Func<MembershipDbContext, int, IAsyncEnumerable<int>> TierIdsOf = EF.CompileAsyncQuery(
        (MembershipDbContext db, int postId) => db.PostTiers.Where(t => t.PostId == postId).Select(t => t.TierId));

    private const int SummaryLength = 300;

    /// <summary>
    /// The post page as <paramref name="user"/> may see it. Creator null: no such creator. Page
    /// null: no such post, or one they may not see (a draft).
    /// </summary>
    public async Task<(Creator? Creator, PostPage? Page)> PostPageAsync(string handle, string slug, ClaimsPrincipal user)
    {
        var normalized = Handles.Normalize(handle);
        var row = await PostPageQuery(db, normalized, slug, user.IdOrNull() ?? "");
        if (row is null)
        {
            return (await CreatorByHandle.FindAsync(db, normalized), null);
        }

        var columns = row.Post;
        var viewer = Entitlement.Of(user, row.Creator, row.MemberStatus, row.TierId);

        // Only the fields CardsAsync and Entitlement read: a post to show, not to edit.
        var post = new Post
        {
            Id = columns.Id,
            CreatorId = row.Creator.Id,
            Title = columns.Title,
            Slug = columns.Slug,
            Excerpt = columns.Excerpt,
            Access = columns.Access,
            Status = columns.Status,
            PublishedAt = columns.PublishedAt,
            TeaserHtml = columns.TeaserHtml,
            MembersHtml = columns.MembersHtml,
            TeaserText = columns.TeaserTextStart,
        };
        if (post.Access == PostAccess.Tiers)
        {
            await foreach (var tierId in TierIdsOf(db, post.Id))
            {
                post.Tiers.Add(new PostTier { PostId = post.Id, TierId = tierId });
            }
        }

        if (!Entitlement.CanSee(viewer, post))
        {
            return (row.Creator, null);
        }

        if (columns.HasAttachments)
        {
            post.Attachments = await db.Attachments.AsNoTracking().Where(a => a.PostId == post.Id).ToListAsync();
        }

        return (row.Creator, new PostPage(row.Creator, viewer, (await CardsAsync(row.Creator, viewer, [post]))[0]));
    }

    public async Task<FeedPage> FeedAsync(Creator creator, Viewer viewer, int page)
    {
        page = Math.Clamp(page, 1, 100_000);
        var posts = await Published(creator)
            .OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id)
            .Skip((page - 1) * PageSize).Take(PageSize + 1)
            .ToListAsync();
        var cards = await CardsAsync(creator, viewer, posts.Take(PageSize).ToList());
        return new FeedPage(cards, page, posts.Count > PageSize);
    }

    /// <summary>Matches in the title, excerpt and teaser for everyone; below the cut only where the viewer may read.</summary>
    public async Task<IReadOnlyList<PostCard>> SearchAsync(Creator creator, Viewer viewer, string query)
    {
        var term = query.Trim().ToLowerInvariant();
        var inPublicParts = Published(creator)
            .Where(p => p.Title.ToLower().Contains(term) || p.Excerpt.ToLower().Contains(term) || p.TeaserText.ToLower().Contains(term))
            .Select(p => p.Id);
        var inReadableBodies = Published(creator).Where(Entitlement.Readable(viewer))
            .Where(p => p.MembersText.ToLower().Contains(term))
            .Select(p => p.Id);
        var ids = await inPublicParts.Union(inReadableBodies).ToListAsync();
        var posts = await db.Posts.AsNoTracking().Include(p => p.Tiers).Include(p => p.Attachments)
            .Where(p => ids.Contains(p.Id))
            .OrderByDescending(p => p.PublishedAt)
            .Take(50)
            .ToListAsync();
        return await CardsAsync(creator, viewer, posts);
    }

    /// <summary>Published posts, newest first, for feeds (RSS); <paramref name="readableOnly"/> keeps only those the viewer may read.</summary>
    public async Task<IReadOnlyList<PostCard>> LatestAsync(Creator creator, Viewer viewer, bool readableOnly, int count)
    {
        var query = Published(creator);
        if (readableOnly)
        {
            query = query.Where(Entitlement.Readable(viewer));
        }

        var posts = await query.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(count).ToListAsync();
        return await CardsAsync(creator, viewer, posts);
    }

    /// <summary>The attachment and whether the viewer may download it now; null when the post is not visible to them.</summary>
    public async Task<(Attachment Attachment, bool Allowed)?> AttachmentAsync(Creator creator, Viewer viewer, string? slug, int attachmentId)
    {
        var attachment = await db.Attachments.AsNoTracking()
            .Include(a => a.Post).ThenInclude(p => p!.Tiers)
            .SingleOrDefaultAsync(a => a.Id == attachmentId && a.Post!.CreatorId == creator.Id && (slug == null || a.Post.Slug == slug));
        if (attachment is null || !Entitlement.CanSee(viewer, attachment.Post!))
        {
            return null;
        }

        // A cover is part of the teaser; everything else is below the cut.
        return (attachment, attachment.IsCover || Entitlement.CanRead(viewer, attachment.Post!));
    }

    private IQueryable<Post> Published(Creator creator) => db.Posts.AsNoTracking()
        .Include(p => p.Tiers).Include(p => p.Attachments)
        .Where(p => p.CreatorId == creator.Id && p.Status == PostStatus.Published);

    private async Task<IReadOnlyList<PostCard>> CardsAsync(Creator creator, Viewer viewer, IReadOnlyList<Post> posts)
    {
        List<Tier>? activeTiers = null;
        var cards = new List<PostCard>(posts.Count);
        foreach (var post in posts)
        {
            var canRead = Entitlement.CanRead(viewer, post);
            Unlock? unlock = null;
            if (!canRead)
            {
                activeTiers ??= await db.Tiers.AsNoTracking()
                    .Where(t => t.CreatorId == creator.Id && t.ArchivedAt == null)
                    .OrderBy(t => t.MonthlyPriceMinor).ThenBy(t => t.SortOrder)
                    .ToListAsync();
                unlock = post.Access switch
                {
                    PostAccess.Members => new Unlock(true, []),
                    PostAccess.Tiers => new Unlock(false, activeTiers.Where(t => post.Tiers.Any(pt => pt.TierId == t.Id)).ToList()),
                    _ => new Unlock(false, activeTiers),
                };
            }

            var cover = post.Attachments.FirstOrDefault(a => a.IsCover);
            var files = canRead
                ? post.Attachments.Where(a => !a.IsCover).OrderBy(a => a.Id).Select(Link).ToList()
                : [];
            cards.Add(new PostCard(
                post.Id,
                post.Title,
                post.Slug,
                post.Excerpt,
                post.Access,
                post.Status,
                post.PublishedAt,
                post.TeaserHtml,
                canRead ? post.TeaserHtml + post.MembersHtml : null,
                unlock,
                cover is null ? null : Link(cover),
                files)
            {
                Summary = post.Excerpt.Length > 0 ? post.Excerpt : Shorten(post.TeaserText, SummaryLength),
            });
        }

        return cards;
    }

    private static AttachmentLink Link(Attachment attachment) =>
        new(attachment.Id, attachment.FileName, attachment.ContentType, attachment.Length);

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length].TrimEnd() + "…";
}
