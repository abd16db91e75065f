using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Posts;

/// <summary>
/// The public-page output cache through the real site: anonymous pages are cached (a cached answer
/// carries an <c>Age</c> header), but never shown to someone signed in nor built from someone
/// signed in, never hold paywalled text, and change at once when the creator edits or publishes.
/// </summary>
public sealed class PublicPageCacheTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Ping_Anonymous_AnswersPongWithoutTheDatabase()
    {
        using var visitor = site.CreateBrowser();

        var page = await visitor.GetAsync("/ping");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("pong", page.Html);
    }

    [Fact]
    public async Task CreatorPage_CachedForAnonymous_IsNeverServedToSignedInMember()
    {
        var (owner, handle) = await CreatorAsync();
        using var _ = owner;
        await WritePostAsync(owner, handle, "hello", "Hello everyone", PostAccess.Public, "Whole post for all.");
        using var anonymous = site.CreateBrowser();
        await anonymous.GetAsync("/" + handle);
        var cached = await anonymous.GetAsync("/" + handle);
        Assert.True(cached.Response.Headers.Age is not null, "the second anonymous view of the creator page should come from the cache (Age header)");

        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email("fan"));
        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", []);
        var fanPage = await fan.GetAsync("/" + handle);

        Assert.Equal(HttpStatusCode.OK, fanPage.Status);
        Assert.Null(fanPage.Response.Headers.Age);
        Assert.Contains("data-test=\"membership-state\"", fanPage.Html);
        Assert.Contains("Sign out", fanPage.Html);
        Assert.DoesNotContain("data-test=\"follow\"", fanPage.Html);
    }

    [Fact]
    public async Task CreatorPage_FirstViewedBySignedInMember_AnonymousGetsAnonymousPage()
    {
        var (owner, handle) = await CreatorAsync();
        using var _ = owner;
        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email("fan"));
        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", []);
        await fan.SubmitAsync("/" + handle, $"/{handle}/feed-token", []);
        var fanPage = await fan.GetAsync("/" + handle);
        await fan.GetAsync("/" + handle);
        Assert.Contains("data-test=\"private-feed-url\"", fanPage.Html);

        using var anonymous = site.CreateBrowser();
        var first = await anonymous.GetAsync("/" + handle);
        var second = await anonymous.GetAsync("/" + handle);

        foreach (var page in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.DoesNotContain("private-feed-url", page.Html);
            Assert.DoesNotContain("membership-state", page.Html);
            Assert.DoesNotContain("Sign out", page.Html);
            Assert.DoesNotContain("__RequestVerificationToken", page.Html);
            Assert.Contains("data-test=\"follow\"", page.Html);
        }

        Assert.NotNull(second.Response.Headers.Age);
    }

    [Fact]
    public async Task PaywalledPost_AfterEntitledMemberRead_AnonymousNeverGetsFullText()
    {
        var (owner, handle) = await CreatorAsync();
        using var _ = owner;
        await owner.CreateTierAsync(TestBrowser.TierFields("Gold", "9.00"));
        var gold = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id).SingleAsync());
        var secret = $"SECRET-{Guid.NewGuid():N}";
        await WritePostAsync(owner, handle, "locked", "Locked", PostAccess.Tiers, $"Teaser for all.\n\n{PostRenderer.Cut}\n\nPaid part: {secret}.", gold);
        using var member = site.CreateBrowser();
        var email = Unique.Email("gold");
        await member.RegisterAsync(email);
        await site.SetAsync(email, handle, MemberStatus.Active, gold);
        var url = $"/{handle}/posts/locked";

        for (var i = 0; i < 2; i++)
        {
            Assert.Contains(secret, (await member.GetAsync(url)).Html);
            Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/" + handle)).Status);
        }

        using var anonymous = site.CreateBrowser();
        var pages = new List<Page>();
        for (var i = 0; i < 2; i++)
        {
            pages.Add(await anonymous.GetAsync(url));
            pages.Add(await anonymous.GetAsync("/" + handle));
        }

        foreach (var page in pages)
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains("Teaser for all.", page.Html);
            Assert.DoesNotContain(secret, page.Html);
        }

        Assert.NotNull(pages[2].Response.Headers.Age);
        var again = await member.GetAsync(url);
        Assert.Null(again.Response.Headers.Age);
        Assert.Contains(secret, again.Html);
    }

    [Fact]
    public async Task PublicPages_AfterCreatorEditsPostTierAndPage_ShowChangeAtOnce()
    {
        var (owner, handle) = await CreatorAsync();
        using var _ = owner;
        await owner.CreateTierAsync(TestBrowser.TierFields("Bronze", "3.00"));
        var postId = await WritePostAsync(owner, handle, "news", "Old title", PostAccess.Public, "Old words.");
        using var anonymous = site.CreateBrowser();
        var url = $"/{handle}/posts/news";
        await Warm(anonymous, url);
        await Warm(anonymous, "/" + handle);

        var edited = await owner.SubmitAsync($"/creator/posts/{postId}", $"/creator/posts/{postId}",
        [
            new("Form.Title", "New title"), new("Form.Slug", "news"), new("Form.Body", "New words."),
            new("Form.Access", "Public"), new("Form.Intent", "Save"),
        ]);
        Assert.Equal(HttpStatusCode.Redirect, edited.Status);
        var post = await anonymous.GetAsync(url);
        Assert.Contains("New words.", post.Html);
        Assert.DoesNotContain("Old words.", post.Html);
        Assert.Contains("New title", (await anonymous.GetAsync("/" + handle)).Html);

        await Warm(anonymous, "/" + handle);
        var tierId = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id).SingleAsync());
        var renamed = await owner.SubmitAsync($"/creator/tiers/{tierId}/edit", $"/creator/tiers/{tierId}/edit", TestBrowser.TierFields("Silverish", "3.00"));
        Assert.Equal(HttpStatusCode.Redirect, renamed.Status);
        Assert.Contains("Silverish", (await anonymous.GetAsync("/" + handle)).Html);

        await Warm(anonymous, "/" + handle);
        var profile = await owner.SubmitAsync("/creator/profile", "/creator/profile", new Dictionary<string, string>
        {
            ["Form.Handle"] = handle, ["Form.DisplayName"] = "Renamed page", ["Form.Bio"] = "A new bio", ["Form.Currency"] = "USD",
            ["Form.YearlyGoal"] = "100000", ["Form.TrueFanThreshold"] = "100",
        });
        Assert.Equal(HttpStatusCode.Redirect, profile.Status);
        Assert.Contains("Renamed page", (await anonymous.GetAsync("/" + handle)).Html);

        await Warm(anonymous, url);
        var unpublished = await owner.SubmitAsync($"/creator/posts/{postId}", $"/creator/posts/{postId}/unpublish", []);
        Assert.Equal(HttpStatusCode.Redirect, unpublished.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url)).Status);
    }

    [Fact]
    public async Task CreatorPage_AfterPublishAndScheduledPublish_ShowsNewPostAtOnce()
    {
        var clock = new ManualClock(Start);
        await using var own = new MembershipFactory { Clock = clock };
        using var owner = own.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        using var anonymous = own.CreateBrowser();
        await Warm(anonymous, "/" + handle);

        var published = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new",
        [
            new("Form.Title", "Out now"), new("Form.Body", "Fresh."), new("Form.Access", "Public"), new("Form.Intent", "Publish"),
        ]);
        Assert.Equal(HttpStatusCode.Redirect, published.Status);
        Assert.Contains("Out now", (await anonymous.GetAsync("/" + handle)).Html);

        var scheduled = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new",
        [
            new("Form.Title", "Later on"), new("Form.Body", "Worth the wait."), new("Form.Access", "Public"),
            new("Form.Intent", "Schedule"), new("Form.ScheduleAt", "2026-11-23T09:10"),
        ]);
        Assert.Equal(HttpStatusCode.Redirect, scheduled.Status);
        await Warm(anonymous, "/" + handle);
        Assert.DoesNotContain("Later on", (await anonymous.GetAsync("/" + handle)).Html);

        clock.Set(Start.AddMinutes(10));
        await using (var scope = own.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ScheduledPostPublisher>().PublishDueAsync(CancellationToken.None));
        }

        Assert.Contains("Later on", (await anonymous.GetAsync("/" + handle)).Html);
    }

    /// <summary>Views the page twice as an anonymous visitor and checks the second came from the cache, so a later change must evict it.</summary>
    private static async Task Warm(TestBrowser anonymous, string url)
    {
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url)).Status);
        var cached = await anonymous.GetAsync(url);
        Assert.True(cached.Response.Headers.Age is not null, $"GET {url} a second time should come from the cache (Age header)");
    }

    private async Task<(TestBrowser Owner, string Handle)> CreatorAsync()
    {
        var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        return (owner, handle);
    }

    private async Task<int> WritePostAsync(TestBrowser owner, string handle, string slug, string title, PostAccess access, string body, params int[] tierIds)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Form.Title", title), new("Form.Slug", slug), new("Form.Body", body), new("Form.Access", access.ToString()), new("Form.Intent", "Publish"),
        };
        fields.AddRange(tierIds.Select(id => new KeyValuePair<string, string>("Form.TierIds", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var page = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new", fields);
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        return await site.WithDbAsync(db => db.Posts.Where(p => p.Slug == slug && p.Creator!.Handle == handle).Select(p => p.Id).SingleAsync());
    }
}
