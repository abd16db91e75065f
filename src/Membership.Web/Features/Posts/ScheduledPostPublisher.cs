using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure.Caching;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts;

/// <summary>
/// Publishes every scheduled post whose time has come. Runs at each post's scheduled instant,
/// every minute as a sweeper (recurring job <c>posts:publish-due</c>), and once at start-up, so
/// a schedule missed while the site was down goes out as soon as it is back. The conditional
/// update makes concurrent runs (two nodes, a retry) publish each post once. Posts marked
/// "also send by email" get their delivery recorded here (once: the delivery is unique per post).
/// </summary>
public sealed class ScheduledPostPublisher(
    MembershipDbContext db, RecordDeliveryHandler deliveries, TimeProvider clock, PublicPageCache pages, ILogger<ScheduledPostPublisher> logger)
{
    public const string RecurringJobId = "posts:publish-due";

    public async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Posts
            .Where(p => p.Status == PostStatus.Scheduled && p.ScheduledAt <= now)
            .Select(p => p.Id)
            .ToListAsync(cancellationToken);
        var published = 0;
        foreach (var postId in due)
        {
            var won = await db.Posts
                .Where(p => p.Id == postId && p.Status == PostStatus.Scheduled && p.ScheduledAt <= now)
                .ExecuteUpdateAsync(
                    setters => setters
                        .SetProperty(p => p.Status, PostStatus.Published)
                        .SetProperty(p => p.PublishedAt, p => p.PublishedAt ?? p.ScheduledAt)
                        .SetProperty(p => p.UpdatedAt, now),
                    cancellationToken);
            if (won == 0)
            {
                continue;
            }

            published++;
            // This node's cached pages show it at once; other nodes' within Cache:PublicPageSeconds.
            await pages.EvictAsync(await db.Posts.Where(p => p.Id == postId).Select(p => p.CreatorId).SingleAsync(cancellationToken), cancellationToken);
            if (await db.Posts.AnyAsync(p => p.Id == postId && p.EmailOnPublish, cancellationToken))
            {
                await deliveries.RecordAsync(postId, cancellationToken);
            }
        }

        // A publish whose email was not recorded (the process died in between) is caught up here.
        var unsent = await db.Posts
            .Where(p => p.Status == PostStatus.Published && p.EmailOnPublish && !db.EmailDeliveries.Any(d => d.PostId == p.Id))
            .Select(p => p.Id)
            .ToListAsync(cancellationToken);
        foreach (var postId in unsent)
        {
            await deliveries.RecordAsync(postId, cancellationToken);
        }

        if (published > 0)
        {
            logger.LogInformation("Published {Count} scheduled posts", published);
        }

        return published;
    }
}
