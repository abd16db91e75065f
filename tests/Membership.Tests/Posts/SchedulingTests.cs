using System.Net;
using Hangfire;
using Hangfire.Storage;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Posts;

public sealed class SchedulingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ScheduledPost_PublishesAtItsTime_NotBefore()
    {
        var clock = new ManualClock(Start);
        await using var site = new MembershipFactory { Clock = clock };
        using var creator = site.CreateBrowser();
        var handle = await ScheduleAsync(site, creator, "2026-11-23T09:10");
        using var visitor = site.CreateBrowser();

        clock.Set(Start.AddMinutes(9).AddSeconds(59));
        await PublishDueAsync(site);
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/{handle}/posts/later")).Status);

        clock.Set(Start.AddMinutes(10));
        await PublishDueAsync(site);

        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync($"/{handle}/posts/later")).Status);
        var post = await site.WithDbAsync(db => db.Posts.SingleAsync(p => p.Slug == "later"));
        Assert.Equal(PostStatus.Published, post.Status);
        Assert.Equal(Start.AddMinutes(10).UtcDateTime, post.PublishedAt);
    }

    [Fact]
    public async Task ScheduledPost_MissedWhileDown_PublishesAfterRestart_Once()
    {
        var clock = new ManualClock(Start);
        var database = new TestDatabase();
        string handle;
        await using (var before = new MembershipFactory(database) { Clock = clock })
        {
            using var creator = before.CreateBrowser();
            handle = await ScheduleAsync(before, creator, "2026-11-23T09:30");
        }

        // The site was down at 09:30: its in-memory Hangfire job died with it.
        clock.Set(Start.AddHours(2));
        await using var after = new MembershipFactory(database) { Clock = clock };
        var recurring = after.Services.GetRequiredService<JobStorage>().GetConnection().GetRecurringJobs();
        Assert.Contains(recurring, job => job.Id == ScheduledPostPublisher.RecurringJobId && job.Cron == Cron.Minutely());

        var runs = await Task.WhenAll(PublishDueAsync(after), PublishDueAsync(after), PublishDueAsync(after));

        Assert.Equal(1, runs.Sum());
        using var visitor = after.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync($"/{handle}/posts/later")).Status);
        Assert.Equal(Start.AddMinutes(30).UtcDateTime, await after.WithDbAsync(db => db.Posts.Where(p => p.Slug == "later").Select(p => p.PublishedAt).SingleAsync()));
        database.Dispose();
    }

    private static async Task<string> ScheduleAsync(MembershipFactory site, TestBrowser creator, string at)
    {
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        var page = await creator.SubmitAsync("/creator/posts/new", "/creator/posts/new",
        [
            new("Form.Title", "Later"),
            new("Form.Body", "Worth the wait"),
            new("Form.Access", "Public"),
            new("Form.Intent", "Schedule"),
            new("Form.ScheduleAt", at),
        ]);
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal(PostStatus.Scheduled, await site.WithDbAsync(db => db.Posts.Where(p => p.Slug == "later").Select(p => p.Status).SingleAsync()));
        return handle;
    }

    private static async Task<int> PublishDueAsync(MembershipFactory site)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ScheduledPostPublisher>().PublishDueAsync(CancellationToken.None);
    }
}
