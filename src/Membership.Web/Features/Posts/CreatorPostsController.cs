using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts;

/// <summary>
/// The signed-in creator's posts: write, preview, publish, schedule, unpublish, attach files.
/// Posts are always loaded through the creator's own id (another creator's post is a 404).
/// </summary>
[Authorize]
[Route("creator/posts")]
public sealed class CreatorPostsController(MembershipDbContext db, CurrentCreator currentCreator) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var posts = await db.Posts.AsNoTracking().Where(p => p.CreatorId == creator.Id)
            .OrderByDescending(p => p.UpdatedAt)
            .Select(p => new PostListRow(p.Id, p.Title, p.Slug, p.Status, p.Access, p.PublishedAt, p.ScheduledAt, p.UpdatedAt))
            .ToListAsync();
        return View(new PostListViewModel(creator, posts));
    }

    [HttpGet("new")]
    public async Task<IActionResult> New()
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        return View("Edit", await EditorAsync(creator, null, new PostRequest()));
    }

    [HttpPost("new")]
    public async Task<IActionResult> New([Bind(Prefix = "Form")] PostRequest request, [FromServices] SavePostHandler handler)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        if (ModelState.IsValid)
        {
            var (post, errors) = await handler.SaveAsync(creator, null, request);
            if (!errors.Any)
            {
                TempData["Notice"] = Saved(post!);
                return RedirectToAction(nameof(Edit), new { id = post!.Id });
            }

            errors.CopyTo(ModelState, "Form");
        }

        return View("Edit", await EditorAsync(creator, null, request));
    }

    [HttpGet("{id:int}")]
    public async Task<IActionResult> Edit(int id)
    {
        var (creator, post) = await MyPostAsync(id);
        if (post is null)
        {
            return NotFound();
        }

        return View("Edit", await EditorAsync(creator!, post, SavePostHandler.ToForm(post)));
    }

    [HttpPost("{id:int}")]
    public async Task<IActionResult> Edit(int id, [Bind(Prefix = "Form")] PostRequest request, [FromServices] SavePostHandler handler)
    {
        var (creator, post) = await MyPostAsync(id);
        if (post is null)
        {
            return NotFound();
        }

        if (ModelState.IsValid)
        {
            var (saved, errors) = await handler.SaveAsync(creator!, post, request);
            if (!errors.Any)
            {
                TempData["Notice"] = Saved(saved!);
                return RedirectToAction(nameof(Edit), new { id });
            }

            errors.CopyTo(ModelState, "Form");

            // The handler may have changed the tracked post before failing: show it as stored.
            (_, post) = await MyPostAsync(id);
            if (post is null)
            {
                return NotFound();
            }
        }

        return View("Edit", await EditorAsync(creator!, post, request));
    }

    [HttpPost("{id:int}/unpublish")]
    public async Task<IActionResult> Unpublish(int id, [FromServices] TimeProvider clock, [FromServices] PublicPageCache pages, [FromServices] PostEmailStops emailStops)
    {
        var (_, post) = await MyPostAsync(id);
        if (post is null)
        {
            return NotFound();
        }

        post.Status = PostStatus.Unpublished;
        post.ScheduledAt = null;
        post.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        // Its email stops before the next message (the rest waits, and goes if it is published again).
        emailStops.Stop(post.Id);
        await pages.EvictAsync(post.CreatorId);
        TempData["Notice"] = $"\"{post.Title}\" is unpublished: only you can see it.";
        return RedirectToAction(nameof(Edit), new { id });
    }

    [HttpPost("{id:int}/delete")]
    public async Task<IActionResult> Delete(int id, [FromServices] AttachmentsHandler attachments, [FromServices] PublicPageCache pages, CancellationToken cancellationToken)
    {
        var (_, post) = await MyPostAsync(id);
        if (post is null)
        {
            return NotFound();
        }

        foreach (var attachment in post.Attachments.ToList())
        {
            await attachments.DeleteAsync(attachment, cancellationToken);
        }

        db.Posts.Remove(post);
        await db.SaveChangesAsync(cancellationToken);
        await pages.EvictAsync(post.CreatorId, cancellationToken);
        TempData["Notice"] = $"\"{post.Title}\" is deleted.";
        return RedirectToAction(nameof(Index));
    }

    /// <summary>The editor's live preview: the Markdown rendered and sanitised exactly as it will be saved;
    /// a post that could not be saved (too long, nested too deep) is a 400 saying why.</summary>
    [HttpPost("preview")]
    public IActionResult Preview([FromForm] string? body, [FromServices] PostRenderer renderer)
    {
        if (body?.Length > PostRequest.MaxBodyLength)
        {
            return BadRequest(PostRequest.BodyTooLongMessage);
        }

        try
        {
            return Content(renderer.RenderPreview(body ?? ""), "text/html; charset=utf-8");
        }
        catch (PostTooDeepException exception)
        {
            return BadRequest(exception.Message);
        }
    }

    [HttpPost("{id:int}/attachments")]
    [RequestSizeLimit(UploadSettings.HardLimitBytes + (1024 * 1024))]
    [RequestFormLimits(MultipartBodyLengthLimit = UploadSettings.HardLimitBytes + (1024 * 1024))]
    public async Task<IActionResult> Upload(int id, IFormFile? file, bool cover, [FromServices] AttachmentsHandler attachments, CancellationToken cancellationToken)
    {
        var (creator, post) = await MyPostAsync(id);
        if (post is null)
        {
            return NotFound();
        }

        var (attachment, errors) = await attachments.UploadAsync(post, file, cover, cancellationToken);
        if (Request.GetTypedHeaders().Accept.Any(a => a.MediaType == "application/json"))
        {
            // The editor's "Insert image or file": it inserts the link where the cursor is.
            return errors.Any
                ? BadRequest(new { error = errors.Items[0].Message })
                : Json(new
                {
                    id = attachment!.Id, fileName = attachment.FileName, contentType = attachment.ContentType,
                    isImage = attachment.ContentType.StartsWith("image/", StringComparison.Ordinal),
                    url = PostFileLinks.Path(creator!.Handle, post.Slug, attachment.Id),
                });
        }

        TempData["Notice"] = errors.Any ? errors.Items[0].Message : $"{attachment!.FileName} is attached.";
        TempData["NoticeIsError"] = errors.Any;
        return RedirectToAction(nameof(Edit), new { id });
    }

    [HttpPost("{id:int}/attachments/{attachmentId:int}/delete")]
    public async Task<IActionResult> DeleteAttachment(int id, int attachmentId, [FromServices] AttachmentsHandler attachments, CancellationToken cancellationToken)
    {
        var (_, post) = await MyPostAsync(id);
        var attachment = post?.Attachments.SingleOrDefault(a => a.Id == attachmentId);
        if (attachment is null)
        {
            return NotFound();
        }

        await attachments.DeleteAsync(attachment, cancellationToken);
        TempData["Notice"] = $"{attachment.FileName} is removed.";
        return RedirectToAction(nameof(Edit), new { id });
    }

    private static string Saved(Post post) => post.Status switch
    {
        PostStatus.Published => $"\"{post.Title}\" is published.",
        PostStatus.Scheduled => $"\"{post.Title}\" will be published at {post.ScheduledAt:yyyy-MM-dd HH:mm} UTC.",
        _ => $"\"{post.Title}\" is saved.",
    };

    private async Task<PostEditorViewModel> EditorAsync(Creator creator, Post? post, PostRequest form)
    {
        var delivery = post is null ? null : await HttpContext.RequestServices.GetRequiredService<DeliveryReportQuery>().ForPostAsync(post.Id);
        int? audience = null;
        if (post is { Status: PostStatus.Published } && delivery is null)
        {
            post.Creator ??= creator;
            audience = await HttpContext.RequestServices.GetRequiredService<RecordDeliveryHandler>().CountRecipientsAsync(post);
        }

        return new PostEditorViewModel
        {
            Creator = creator,
            Post = post,
            Form = form,
            Tiers = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id)
                .OrderBy(t => t.SortOrder).ThenBy(t => t.Id).ToListAsync(),
            Delivery = delivery,
            EmailAudience = audience,
        };
    }

    private Task<Creator?> MyCreatorAsync() => currentCreator.FindAsync(HttpContext.RequestAborted);

    private async Task<(Creator? Creator, Post? Post)> MyPostAsync(int id)
    {
        var creator = await MyCreatorAsync();
        if (creator is null)
        {
            return (null, null);
        }

        var post = await db.Posts.Include(p => p.Tiers).Include(p => p.Attachments)
            .SingleOrDefaultAsync(p => p.Id == id && p.CreatorId == creator.Id);
        return (creator, post);
    }
}

public sealed record PostListRow(int Id, string Title, string Slug, PostStatus Status, PostAccess Access, DateTime? PublishedAt, DateTime? ScheduledAt, DateTime UpdatedAt);

public sealed record PostListViewModel(Creator Creator, IReadOnlyList<PostListRow> Posts);

public sealed class PostEditorViewModel
{
    public required Creator Creator { get; init; }

    public Post? Post { get; init; }

    public required PostRequest Form { get; init; }

    public required IReadOnlyList<Tier> Tiers { get; init; }

    /// <summary>The post's email delivery, once it has one.</summary>
    public DeliveryReport? Delivery { get; init; }

    /// <summary>How many members a "Send by email" would reach now (published posts not yet emailed).</summary>
    public int? EmailAudience { get; init; }
}
