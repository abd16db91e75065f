using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Posts;

/// <summary>
/// The paywall's promise: what is below the cut reaches exactly those entitled, on every
/// surface (creator feed, post page, search, public RSS, private feed, attachment downloads,
/// meta tags). Each viewer's responses are searched for every post's unique marker.
/// </summary>
public sealed class PaywallTests(PaywallScenario scenario) : IClassFixture<PaywallScenario>
{
    public static TheoryData<string> ViewerNames => new(PaywallScenario.Entitled.Keys);

    [Theory]
    [MemberData(nameof(ViewerNames))]
    public async Task EverySurface_ShowsMembersPartOnlyToEntitledViewers(string viewer)
    {
        var browser = scenario.Viewers[viewer];
        var handle = scenario.Handle;
        var bodies = new List<(string Surface, string Body)>();
        async Task Collect(string url) => bodies.Add((url, (await browser.GetAsync(url)).Html));

        await Collect($"/{handle}");
        await Collect($"/{handle}/rss");
        foreach (var slug in PaywallScenario.Slugs)
        {
            await Collect($"/{handle}/posts/{slug}");
            await Collect($"/{handle}/search?q={scenario.SearchWords[slug]}");
        }

        if (scenario.FeedTokens.TryGetValue(viewer, out var token))
        {
            await Collect($"/feeds/{token}");
        }

        var entitled = PaywallScenario.Entitled[viewer];
        foreach (var slug in PaywallScenario.Slugs)
        {
            var secret = scenario.Secrets[slug];
            var leaks = bodies.Where(b => b.Body.Contains(secret, StringComparison.Ordinal)).Select(b => b.Surface).ToList();
            if (entitled.Contains(slug))
            {
                var page = bodies.Single(b => b.Surface == $"/{handle}/posts/{slug}");
                Assert.True(page.Body.Contains(secret, StringComparison.Ordinal), $"{viewer} should read {slug} on its page");
            }
            else
            {
                Assert.True(leaks.Count == 0, $"{viewer} must not see {slug}'s members part, but it is in: {string.Join(", ", leaks)}");
            }

            // Public RSS carries teasers only, whoever asks (a public post without a cut shows its excerpt).
            var rss = bodies.Single(b => b.Surface == $"/{handle}/rss").Body;
            Assert.DoesNotContain(secret, rss, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ViewerNames))]
    public async Task Search_MatchesBelowTheCutOnlyForEntitledViewers(string viewer)
    {
        var browser = scenario.Viewers[viewer];
        foreach (var slug in PaywallScenario.Slugs)
        {
            var page = await browser.GetAsync($"/{scenario.Handle}/search?q={scenario.SearchWords[slug]}");
            var found = page.Html.Contains($"/{scenario.Handle}/posts/{slug}\"", StringComparison.Ordinal);
            // Search covers published posts only: a draft is found by nobody, its owner included.
            var expected = PaywallScenario.Entitled[viewer].Contains(slug) && slug != "draft-post";
            Assert.True(found == expected, $"{viewer} searching {slug}: found={found}");
        }
    }

    [Theory]
    [MemberData(nameof(ViewerNames))]
    public async Task AudioAttachment_DownloadsOnlyForEntitledViewers(string viewer)
    {
        var browser = scenario.Viewers[viewer];
        var entitled = PaywallScenario.Entitled[viewer].Contains("gold-post");

        var page = await browser.GetAsync($"/{scenario.Handle}/posts/gold-post/files/{scenario.AudioId}");

        if (entitled)
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Equal("audio/mpeg", page.Response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(scenario.AudioSecret, page.Html);
        }
        else
        {
            Assert.True(page.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{viewer} got {(int)page.Status}");
            Assert.DoesNotContain(scenario.AudioSecret, page.Html);
        }

        if (scenario.FeedTokens.TryGetValue(viewer, out var token))
        {
            var viaFeed = await scenario.Site.CreateBrowser().GetAsync($"/feeds/{token}/files/{scenario.AudioId}");
            Assert.Equal(entitled, viaFeed.Html.Contains(scenario.AudioSecret, StringComparison.Ordinal));
            var feed = await scenario.Site.CreateBrowser().GetAsync($"/feeds/{token}");
            Assert.Equal(entitled, feed.Html.Contains($"/feeds/{token}/files/{scenario.AudioId}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task LockedPost_ShowsTeaserAndTheTiersThatUnlockIt()
    {
        var page = await scenario.Viewers["anonymous"].GetAsync($"/{scenario.Handle}/posts/gold-post");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Teaser of gold-post, for everyone.", page.Html);
        Assert.Contains("members of Gold", page.Text);
        Assert.Contains($"/{scenario.Handle}/join/{scenario.Tiers["Gold"]}", page.Html);
        Assert.DoesNotContain($"/{scenario.Handle}/join/{scenario.Tiers["Bronze"]}", page.Html);
        Assert.Contains("<meta name=\"description\" content=\"Excerpt of gold-post\">", page.Html);

        var paid = await scenario.Viewers["follower"].GetAsync($"/{scenario.Handle}/posts/paid-post");
        Assert.Contains("Join from $3.00 a month", paid.Text);
    }

    [Fact]
    public async Task Draft_IsNotFoundForEveryoneButTheOwner()
    {
        foreach (var (name, browser) in scenario.Viewers)
        {
            var page = await browser.GetAsync($"/{scenario.Handle}/posts/draft-post");
            Assert.Equal(name == "owner" ? HttpStatusCode.OK : HttpStatusCode.NotFound, page.Status);
        }
    }

    [Fact]
    public async Task PrivateFeed_UnknownOrRegeneratedToken_IsNotFound()
    {
        using var anonymous = scenario.Site.CreateBrowser();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/feeds/" + new string('a', 43))).Status);
    }
}

/// <summary>Access changes apply on the very next request: no cache stands between the database and the paywall.</summary>
public sealed class PaywallChangeTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task Lapse_PrivateFeedAndPageStopServingThePost_Regenerate_KillsOldFeedUrl()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        await owner.CreateTierAsync(TestBrowser.TierFields("Only"));
        var tierId = await site.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id)));
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new", new Dictionary<string, string>
        {
            ["Form.Title"] = "Paid thing",
            ["Form.Body"] = $"Intro\n\n<!--members-only-->\n\n{secret}",
            ["Form.Access"] = "Paid",
            ["Form.Intent"] = "Publish",
        });
        using var fan = site.CreateBrowser();
        var email = Unique.Email("fan");
        await fan.RegisterAsync(email);
        await site.SetAsync(email, handle, MemberStatus.Active, tierId);
        await fan.SubmitAsync("/" + handle, $"/{handle}/feed-token", new Dictionary<string, string>());
        var token = await site.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Members.Where(m => m.User!.Email == email).Select(m => m.FeedToken!)));
        using var podcastApp = site.CreateBrowser();
        Assert.Contains(secret, (await podcastApp.GetAsync($"/feeds/{token}")).Html);
        Assert.Contains(secret, (await fan.GetAsync($"/{handle}/posts/paid-thing")).Html);

        await site.SetAsync(email, handle, MemberStatus.Ended, tierId);

        Assert.DoesNotContain(secret, (await podcastApp.GetAsync($"/feeds/{token}")).Html);
        Assert.DoesNotContain(secret, (await fan.GetAsync($"/{handle}/posts/paid-thing")).Html);

        await site.SetAsync(email, handle, MemberStatus.Active, tierId);
        await fan.SubmitAsync("/" + handle, $"/{handle}/feed-token", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.NotFound, (await podcastApp.GetAsync($"/feeds/{token}")).Status);
    }

    [Fact]
    public async Task ChangingPostAccess_AppliesOnTheNextRequest()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var fields = new Dictionary<string, string>
        {
            ["Form.Title"] = "Flip",
            ["Form.Body"] = $"Intro\n\n<!--members-only-->\n\n{secret}",
            ["Form.Access"] = "Public",
            ["Form.Intent"] = "Publish",
        };
        var created = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new", fields);
        var editUrl = created.Location!;
        using var visitor = site.CreateBrowser();
        Assert.Contains(secret, (await visitor.GetAsync($"/{handle}/posts/flip")).Html);

        fields["Form.Access"] = "Members";
        fields["Form.Intent"] = "Save";
        await owner.SubmitAsync(editUrl, editUrl, fields);

        Assert.DoesNotContain(secret, (await visitor.GetAsync($"/{handle}/posts/flip")).Html);
    }
}
