using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts;

/// <summary>
/// Publishes every scheduled post whose time has come. Runs at each post's scheduled instant,
/// every minute as a sweeper (recurring job <c>posts:publish-due</c>), and once at start-up, so
/// a schedule missed while the site was down goes out as soon as it is back. The conditional
/// update makes concurrent runs (two nodes, a retry) publish each post once.
/// </summary>
public sealed class ScheduledPostPublisher(MembershipDbContext db, TimeProvider clock, ILogger<ScheduledPostPublisher> logger)
{
    public const string RecurringJobId = "posts:publish-due";

    public async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var published = await db.Posts
            .Where(p => p.Status == PostStatus.Scheduled && p.ScheduledAt <= now)
            .ExecuteUpdateAsync(
                setters => setters
                    .SetProperty(p => p.Status, PostStatus.Published)
                    .SetProperty(p => p.PublishedAt, p => p.PublishedAt ?? p.ScheduledAt)
                    .SetProperty(p => p.UpdatedAt, now),
                cancellationToken);
        if (published > 0)
        {
            logger.LogInformation("Published {Count} scheduled posts", published);
        }

        return published;
    }
}
