using System.Security.Cryptography;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure.Security;
using Membership.Web.Infrastructure.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Membership.Web.Features.Posts;

/// <summary>
/// Reading: a post page, its files, the creator's search, the public RSS of teasers, and each
/// member's private feed. Every answer goes through <see cref="Entitlement"/> on every request.
/// </summary>
public sealed class PostsController(MembershipDbContext db, PostReader reader, Entitlement entitlement) : Controller
{
    private const int FeedItems = 50;

    [HttpGet("{handle}/posts/{slug}")]
    [OutputCache(PolicyName = PublicPageCache.PolicyName)]
    public async Task<IActionResult> Show(string handle, string slug)
    {
        // One open for the request's reads: with a tier-only post or attachments there are more
        // than one, and each SQLite open sets up EF's functions again (measured with infra/bench/pages).
        // Closed when the request ends.
        await db.Database.OpenConnectionAsync(HttpContext.RequestAborted);
        var (creator, page) = await reader.PostPageAsync(handle, slug, User);
        if (creator is null)
        {
            return NotFound();
        }

        // Tagged even when the post is not found: publishing it evicts a cached "not found".
        PublicPageCache.TagCreator(HttpContext, creator.Id);
        if (page is null)
        {
            return NotFound();
        }

        if (User.Identity?.IsAuthenticated != true)
        {
            // For browsers and proxies: the same address reads differently once signed in. A
            // signed-in page carries antiforgery tokens (sign out), which mark it no-store
            // themselves; setting this there too only makes antiforgery log a warning per view.
            Response.Headers.CacheControl = "private, no-cache";
        }

        return View(new PostPageViewModel(page.Creator, page.Viewer, page.Post));
    }

    /// <summary>
    /// A post's file for the signed-in reader, or, with <c>?access=</c>, for the member a post
    /// email's signed link was made for (<see cref="SignedFileLinks"/>): no cookie needed, and
    /// their membership is read now.
    /// </summary>
    [HttpGet("{handle}/posts/{slug}/files/{id:int}")]
    public async Task<IActionResult> File(
        string handle, string slug, int id, [FromQuery(Name = SignedFileLinks.QueryName)] string? access,
        [FromServices] IFileStorage storage, [FromServices] SignedFileLinks signedLinks)
    {
        var creator = await CreatorAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        // An emptied "?access=" is a broken signed link, not a request for the cookie's file.
        if (access is null && !Request.Query.ContainsKey(SignedFileLinks.QueryName))
        {
            var viewer = await entitlement.ViewerAsync(User, creator);
            return await ServeAsync(await reader.AttachmentAsync(creator, viewer, slug, id), storage);
        }

        // The token, not the address, names the file: a post renamed since the email still works.
        var check = signedLinks.Check(access, id);
        var problem = check.Problem;
        if (check.MemberId is { } memberId)
        {
            var member = await db.Members.AsNoTracking().SingleOrDefaultAsync(m => m.Id == memberId && m.CreatorId == creator.Id);
            var found = member is null ? null : await reader.AttachmentAsync(creator, Entitlement.ForMember(member, creator), null, id);
            problem = member is null ? SignedLinkProblem.Invalid
                : found is null ? SignedLinkProblem.Gone
                : found.Value.Allowed ? SignedLinkProblem.None
                : SignedLinkProblem.NotEntitled;
            if (problem == SignedLinkProblem.None)
            {
                return await ServeSignedAsync(found, storage);
            }
        }

        if (User.Identity?.IsAuthenticated == true)
        {
            // The link no longer opens, but a signed-in reader who may read the file still gets it.
            var found = await reader.AttachmentAsync(creator, await entitlement.ViewerAsync(User, creator), null, id);
            if (found is { Allowed: true })
            {
                return await ServeSignedAsync(found, storage);
            }
        }

        return LinkRefused(problem, creator, slug);
    }

    [HttpGet("{handle}/search")]
    public async Task<IActionResult> Search(string handle, string? q)
    {
        var creator = await CreatorAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        var query = (q ?? "").Trim();
        var viewer = await entitlement.ViewerAsync(User, creator);
        if (query.Length is < 2 or > 100)
        {
            return View(new SearchViewModel(creator, query, [], query.Length == 0 ? null : "Search for 2 to 100 characters."));
        }

        return View(new SearchViewModel(creator, query, await reader.SearchAsync(creator, viewer, query), null));
    }

    /// <summary>Public RSS 2.0: every published post as its teaser, never the members' part.</summary>
    [HttpGet("{handle}/rss")]
    public async Task<IActionResult> Rss(string handle, [FromServices] PublicLinks links)
    {
        var creator = await CreatorAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        var posts = await reader.LatestAsync(creator, Viewer.Anonymous, readableOnly: false, FeedItems);
        var xml = RssWriter.Write(creator, links.Absolute(creator.Handle), posts, post => RssWriter.WithAbsoluteLinks(
                RssWriter.Teaser(post, links.Absolute($"{creator.Handle}/posts/{post.Slug}")), creator.Handle, post.Slug, links.Absolute, _ => null),
            _ => null);
        return Content(xml, "application/rss+xml; charset=utf-8");
    }

    /// <summary>A member's private feed: the full posts they may read now, audio as enclosures.</summary>
    [HttpGet("feeds/{token}")]
    public async Task<IActionResult> PrivateFeed(string token, [FromServices] PublicLinks links)
    {
        var member = await MemberByTokenAsync(token);
        if (member is null)
        {
            return NotFound();
        }

        var creator = member.Creator!;
        var viewer = Entitlement.ForMember(member, creator);
        var posts = await reader.LatestAsync(creator, viewer, readableOnly: true, FeedItems);
        var xml = RssWriter.Write(
            creator,
            links.Absolute(creator.Handle),
            posts,
            // Absolute addresses, and the post's own files through this feed's address: a feed
            // reader has no cookie. The feed token names the member; each file is checked again.
            post => RssWriter.WithAbsoluteLinks(
                post.BodyHtml ?? RssWriter.Teaser(post, links.Absolute($"{creator.Handle}/posts/{post.Slug}")),
                creator.Handle,
                post.Slug,
                links.Absolute,
                id => post.Attachments.Any(a => a.Id == id) || post.Cover?.Id == id ? links.Absolute($"feeds/{token}/files/{id}") : null),
            post => post.Attachments.FirstOrDefault(a => a.IsAudio) is { } audio
                ? new RssWriter.Enclosure(links.Absolute($"feeds/{token}/files/{audio.Id}"), audio.Length, audio.ContentType)
                : null);
        Response.Headers.CacheControl = "private, no-store";
        return Content(xml, "application/rss+xml; charset=utf-8");
    }

    [HttpGet("feeds/{token}/files/{id:int}")]
    public async Task<IActionResult> PrivateFeedFile(string token, int id, [FromServices] IFileStorage storage)
    {
        var member = await MemberByTokenAsync(token);
        if (member is null)
        {
            return NotFound();
        }

        var viewer = Entitlement.ForMember(member, member.Creator!);
        return await ServeAsync(await reader.AttachmentAsync(member.Creator!, viewer, null, id), storage);
    }

    /// <summary>Makes a new private feed address; the old one stops working at once.</summary>
    [Authorize]
    [HttpPost("{handle}/feed-token")]
    public async Task<IActionResult> RegenerateFeedToken(string handle)
    {
        var creator = await CreatorAsync(handle);
        if (creator is null)
        {
            return NotFound();
        }

        var userId = User.Id();
        var member = await db.Members.SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == userId);
        if (member is null)
        {
            TempData["Notice"] = "Follow or join first: the private feed is for members.";
            return RedirectToAction("Page", "Creators", new { handle = creator.Handle });
        }

        member.FeedToken = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await db.SaveChangesAsync();
        TempData["Notice"] = "Your private feed has a new address. The old one no longer works.";
        return RedirectToAction("Page", "Creators", new { handle = creator.Handle });
    }

    private async Task<IActionResult> ServeAsync((Attachment Attachment, bool Allowed)? found, IFileStorage storage)
    {
        if (found is not { } result)
        {
            return NotFound();
        }

        if (!result.Allowed)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var stream = await storage.OpenReadAsync(result.Attachment.StorageKey);
        if (stream is null)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = result.Attachment.IsCover ? "public, max-age=3600" : "private, no-store";
        var disposition = new ContentDispositionHeaderValue(result.Attachment.ContentType == "application/pdf" ? "attachment" : "inline");
        disposition.SetHttpFileName(result.Attachment.FileName);
        Response.Headers.ContentDisposition = disposition.ToString();
        return File(stream, result.Attachment.ContentType, enableRangeProcessing: true);
    }

    private async Task<IActionResult> ServeSignedAsync((Attachment Attachment, bool Allowed)? found, IFileStorage storage)
    {
        // The token is in the address: it must not travel on to another site as a Referer.
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex";
        return await ServeAsync(found, storage);
    }

    /// <summary>A signed file link that does not open: a page saying why, and never the file.</summary>
    private ViewResult LinkRefused(SignedLinkProblem problem, Creator creator, string slug)
    {
        Response.StatusCode = problem switch
        {
            SignedLinkProblem.Expired => StatusCodes.Status410Gone,
            SignedLinkProblem.Gone => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status403Forbidden,
        };
        Response.Headers.CacheControl = "private, no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex";
        return View("FileLinkRefused", new FileLinkRefusedViewModel(problem, creator, $"/{creator.Handle}/posts/{Uri.EscapeDataString(slug)}"));
    }

    private Task<Member?> MemberByTokenAsync(string token) =>
        token.Length is < 20 or > 64
            ? Task.FromResult<Member?>(null)
            : db.Members.AsNoTracking().Include(m => m.Creator).SingleOrDefaultAsync(m => m.FeedToken == token);

    private Task<Creator?> CreatorAsync(string handle) => CreatorByHandle.FindAsync(db, handle);
}

public sealed record PostPageViewModel(Creator Creator, Viewer Viewer, PostCard Post);

/// <summary>Why a signed file link did not open, and where the reader can go instead.</summary>
public sealed record FileLinkRefusedViewModel(SignedLinkProblem Problem, Creator Creator, string PostPath);

public sealed record SearchViewModel(Creator Creator, string Query, IReadOnlyList<PostCard> Results, string? Problem);
