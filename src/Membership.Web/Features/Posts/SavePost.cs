using Membership.Web.Infrastructure.Caching;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts;

/// <summary>What the editor's buttons ask for.</summary>
public enum PostIntent
{
    /// <summary>Save as it stands: a new post is a draft; a published or scheduled one stays so.</summary>
    Save,
    Publish,
    Schedule,
}

/// <summary>The post editor form.</summary>
public sealed class PostRequest
{
    [Required(ErrorMessage = "Give the post a title.")]
    [StringLength(200, ErrorMessage = "Keep the title under 200 characters.")]
    public string Title { get; set; } = "";

    [Display(Name = "Address (slug)")]
    [StringLength(Slugs.MaxLength, ErrorMessage = "Keep the address under 80 characters.")]
    public string? Slug { get; set; }

    [StringLength(500, ErrorMessage = "Keep the excerpt under 500 characters.")]
    public string? Excerpt { get; set; }

    public const int MaxBodyLength = 200_000;

    public const string BodyTooLongMessage = "The post is too long (200,000 characters at most).";

    [StringLength(MaxBodyLength, ErrorMessage = BodyTooLongMessage)]
    public string? Body { get; set; }

    [Display(Name = "Who can read it")]
    public PostAccess Access { get; set; } = PostAccess.Public;

    public List<int> TierIds { get; set; } = [];

    /// <summary>UTC, as the datetime-local input sends it: "2026-12-01T09:30".</summary>
    [Display(Name = "Publish at (UTC)")]
    public string? ScheduleAt { get; set; }

    public PostIntent Intent { get; set; } = PostIntent.Save;

    /// <summary>Email the post to the members who may read it when it is published.</summary>
    [Display(Name = "Also send by email")]
    public bool EmailOnPublish { get; set; }
}

/// <summary>Validates the editor form, renders the Markdown, and writes the post with its state.</summary>
public sealed class SavePostHandler(
    MembershipDbContext db, PostRenderer renderer, RecordDeliveryHandler deliveries, IBackgroundJobClient jobs, TimeProvider clock, PublicPageCache pages)
{
    public static PostRequest ToForm(Post post) => new()
    {
        Title = post.Title,
        Slug = post.Slug,
        Excerpt = post.Excerpt,
        Body = post.BodyMarkdown,
        Access = post.Access,
        TierIds = post.Tiers.Select(t => t.TierId).ToList(),
        ScheduleAt = post.ScheduledAt?.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
        EmailOnPublish = post.EmailOnPublish,
    };

    public async Task<(Post? Post, Errors Errors)> SaveAsync(Creator creator, Post? existing, PostRequest request)
    {
        var errors = new Errors();
        var now = clock.GetUtcNow().UtcDateTime;
        var title = (request.Title ?? "").Trim();
        if (title.Length == 0)
        {
            errors.Add(nameof(request.Title), "Give the post a title.");
        }

        var slug = await ChooseSlugAsync(creator, existing, request, title, errors);

        if (!Enum.IsDefined(request.Access))
        {
            errors.Add(nameof(request.Access), "Choose who can read the post.");
        }

        var tierIds = request.TierIds.Distinct().ToList();
        if (request.Access == PostAccess.Tiers)
        {
            if (tierIds.Count == 0)
            {
                errors.Add(nameof(request.TierIds), "Choose at least one tier, or another access level.");
            }
            else if (await db.Tiers.CountAsync(t => tierIds.Contains(t.Id) && t.CreatorId == creator.Id) != tierIds.Count)
            {
                errors.Add(nameof(request.TierIds), "Choose tiers from your own list.");
            }
        }
        else
        {
            tierIds.Clear();
        }

        DateTime? scheduleAt = null;
        if (request.Intent == PostIntent.Schedule)
        {
            if (existing?.Status == PostStatus.Published)
            {
                errors.Add(nameof(request.ScheduleAt), "This post is already published.");
            }
            else if (!DateTime.TryParseExact(request.ScheduleAt, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture,
                         DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            {
                errors.Add(nameof(request.ScheduleAt), "Enter the date and time to publish, in UTC.");
            }
            else if (parsed <= now)
            {
                errors.Add(nameof(request.ScheduleAt), "Choose a time in the future, or publish now.");
            }
            else
            {
                scheduleAt = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            }
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        var body = request.Body ?? "";
        if (existing is not null)
        {
            body = PostFileLinks.Moved(body, creator.Handle, existing.Slug, slug);
        }

        RenderedPost rendered;
        try
        {
            rendered = renderer.Render(body);
        }
        catch (PostTooDeepException exception)
        {
            return (null, errors.Add(nameof(request.Body), exception.Message));
        }

        var post = existing ?? new Post { CreatorId = creator.Id, CreatedAt = now, Status = PostStatus.Draft };
        post.Title = title;
        post.Slug = slug;
        post.Excerpt = request.Excerpt?.Trim() ?? "";
        post.BodyMarkdown = body;
        post.TeaserHtml = rendered.TeaserHtml;
        post.MembersHtml = rendered.MembersHtml;
        post.TeaserText = rendered.TeaserText;
        post.MembersText = rendered.MembersText;
        post.Access = request.Access;
        if (post.PublishedAt is null)
        {
            // Once published, a post is emailed with the editor's "Send by email" button instead.
            post.EmailOnPublish = request.EmailOnPublish;
        }
        post.UpdatedAt = now;
        post.Tiers.RemoveAll(t => !tierIds.Contains(t.TierId));
        post.Tiers.AddRange(tierIds.Where(id => post.Tiers.All(t => t.TierId != id)).Select(id => new PostTier { TierId = id }));

        switch (request.Intent)
        {
            case PostIntent.Publish:
                post.Status = PostStatus.Published;
                post.PublishedAt ??= now;
                post.ScheduledAt = null;
                break;
            case PostIntent.Schedule:
                post.Status = PostStatus.Scheduled;
                post.ScheduledAt = scheduleAt;
                break;
        }

        if (existing is null)
        {
            db.Posts.Add(post);
        }

        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var existingId = existing?.Id ?? 0;
            if (!await db.Posts.AnyAsync(p => p.CreatorId == creator.Id && p.Slug == slug && p.Id != existingId))
            {
                throw;
            }

            // Another request took the address between the check and the write.
            return (null, new Errors().Add(nameof(request.Slug), "Another post of yours has this address. Choose another."));
        }

        await pages.EvictAsync(creator.Id);

        if (request.Intent == PostIntent.Publish && post.EmailOnPublish)
        {
            // Recorded only once per post: publishing again, or a second click, sends nothing new.
            await deliveries.RecordAsync(post.Id);
        }

        if (post.Status == PostStatus.Scheduled && post.ScheduledAt is { } at)
        {
            // On time: a job at the scheduled instant. Missed (restart, in-memory storage lost):
            // the minutely sweeper publishes it; both are idempotent.
            jobs.Schedule<ScheduledPostPublisher>(publisher => publisher.PublishDueAsync(CancellationToken.None), at - now);
        }

        return (post, Errors.None);
    }

    private async Task<string> ChooseSlugAsync(Creator creator, Post? existing, PostRequest request, string title, Errors errors)
    {
        var requested = (request.Slug ?? "").Trim().ToLowerInvariant();
        if (existing?.PublishedAt is not null)
        {
            if (requested.Length > 0 && requested != existing.Slug)
            {
                errors.Add(nameof(request.Slug), "A published post keeps its address, so links to it keep working.");
            }

            return existing.Slug;
        }

        var existingId = existing?.Id ?? 0;
        if (requested.Length > 0)
        {
            if (!Slugs.IsValid(requested))
            {
                errors.Add(nameof(request.Slug), "Use lower-case letters, digits and single hyphens (like \"my-first-post\").");
            }
            else if (await db.Posts.AnyAsync(p => p.CreatorId == creator.Id && p.Slug == requested && p.Id != existingId))
            {
                errors.Add(nameof(request.Slug), "Another post of yours has this address. Choose another.");
            }

            return requested;
        }

        var baseSlug = Slugs.FromTitle(title);
        var taken = await db.Posts
            .Where(p => p.CreatorId == creator.Id && p.Id != existingId && p.Slug.StartsWith(baseSlug))
            .Select(p => p.Slug)
            .ToListAsync();
        var candidate = baseSlug;
        for (var suffix = 2; taken.Contains(candidate); suffix++)
        {
            candidate = $"{baseSlug}-{suffix}";
        }

        return candidate;
    }
}
