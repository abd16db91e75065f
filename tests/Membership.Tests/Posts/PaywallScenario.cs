using System.Net;
using System.Text;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Posts;

/// <summary>
/// One creator with three tiers and a post at every access level (plus a draft and a tier-only
/// post with an audio file), and a browser for every kind of viewer. Each post's members-only
/// part carries a unique marker, so a leak shows up as that marker in a response body.
/// </summary>
public sealed class PaywallScenario : IAsyncLifetime
{
    public MembershipFactory Site { get; } = new();

    public string Handle { get; } = Unique.Handle("paywall");

    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Marker below the cut of each post, by post slug.</summary>
    public Dictionary<string, string> Secrets { get; } = new();

    /// <summary>A word only below the cut of each post, for search.</summary>
    public Dictionary<string, string> SearchWords { get; } = new();

    public Dictionary<string, int> Tiers { get; } = new();

    public Dictionary<string, TestBrowser> Viewers { get; } = new();

    public Dictionary<string, string> Emails { get; } = new();

    public Dictionary<string, string> FeedTokens { get; } = new();

    public int AudioId { get; private set; }

    public string AudioSecret => $"SECRET-AUDIO-{Run}";

    public static readonly string[] Slugs = ["public-post", "members-post", "paid-post", "gold-post", "draft-post"];

    /// <summary>What each viewer may read (besides teasers): the heart of the paywall's promise.</summary>
    public static readonly Dictionary<string, string[]> Entitled = new()
    {
        ["anonymous"] = ["public-post"],
        ["follower"] = ["public-post", "members-post"],
        ["bronze"] = ["public-post", "members-post", "paid-post"],
        ["lapsed-gold"] = ["public-post", "members-post"],
        ["other-creator"] = ["public-post"],
        ["gold"] = ["public-post", "members-post", "paid-post", "gold-post"],
        ["pastdue-gold"] = ["public-post", "members-post", "paid-post", "gold-post"],
        ["owner"] = ["public-post", "members-post", "paid-post", "gold-post", "draft-post"],
    };

    public async Task InitializeAsync()
    {
        var owner = Site.CreateBrowser();
        Viewers["owner"] = owner;
        await owner.RegisterAsync(Unique.Email("owner"));
        await owner.CreateCreatorPageAsync(Handle);
        foreach (var (name, price) in new[] { ("Bronze", "3.00"), ("Silver", "8.00"), ("Gold", "20.00") })
        {
            await owner.CreateTierAsync(TestBrowser.TierFields(name, price));
        }

        foreach (var tier in await Site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == Handle).ToListAsync()))
        {
            Tiers[tier.Name] = tier.Id;
        }

        await WritePostAsync("public-post", PostAccess.Public, cut: false, publish: true);
        await WritePostAsync("members-post", PostAccess.Members, cut: true, publish: true);
        await WritePostAsync("paid-post", PostAccess.Paid, cut: true, publish: true);
        var gold = await WritePostAsync("gold-post", PostAccess.Tiers, cut: true, publish: true, Tiers["Gold"]);
        await WritePostAsync("draft-post", PostAccess.Public, cut: false, publish: false);

        var audio = Encoding.ASCII.GetBytes("ID3\u0003\0\0\0\0\0\0" + AudioSecret + new string('x', 2000));
        var upload = await owner.UploadAsync($"/creator/posts/{gold}", $"/creator/posts/{gold}/attachments", "episode one.mp3", audio);
        Assert.Equal(HttpStatusCode.Redirect, upload.Status);
        AudioId = await Site.WithDbAsync(db => db.Attachments.Where(a => a.PostId == gold).Select(a => a.Id).SingleAsync());

        Viewers["anonymous"] = Site.CreateBrowser();
        await AddViewerAsync("follower", MemberStatus.Following, null);
        await AddViewerAsync("bronze", MemberStatus.Active, Tiers["Bronze"]);
        await AddViewerAsync("lapsed-gold", MemberStatus.Ended, Tiers["Gold"]);
        await AddViewerAsync("gold", MemberStatus.Active, Tiers["Gold"]);
        await AddViewerAsync("pastdue-gold", MemberStatus.PastDue, Tiers["Gold"]);
        var other = Site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        await other.CreateCreatorPageAsync(Unique.Handle("other"));
        Viewers["other-creator"] = other;
    }

    private async Task<int> WritePostAsync(string slug, PostAccess access, bool cut, bool publish, params int[] tierIds)
    {
        var secret = $"SECRET-{slug.ToUpperInvariant()}-{Run}";
        var word = $"zebra{slug.Replace("-", "", StringComparison.Ordinal)}{Run}";
        Secrets[slug] = secret;
        SearchWords[slug] = word;
        var body = cut
            ? $"Teaser of {slug}, for everyone.\n\n{Membership.Web.Domain.PostRenderer.Cut}\n\nThe paid part: {secret} and {word}."
            : $"Whole post: {secret} and {word}.";
        var fields = new Dictionary<string, string>
        {
            ["Form.Title"] = "Title " + slug,
            ["Form.Slug"] = slug,
            ["Form.Excerpt"] = "Excerpt of " + slug,
            ["Form.Body"] = body,
            ["Form.Access"] = access.ToString(),
            ["Form.Intent"] = publish ? "Publish" : "Save",
        };
        var content = new List<KeyValuePair<string, string>>(fields);
        content.AddRange(tierIds.Select(id => new KeyValuePair<string, string>("Form.TierIds", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var page = await Viewers["owner"].SubmitAsync("/creator/posts/new", "/creator/posts/new", content);
        Assert.True(page.Status == HttpStatusCode.Redirect, $"Saving {slug} answered {(int)page.Status}: {page.Text}");
        return await Site.WithDbAsync(db => db.Posts.Where(p => p.Slug == slug && p.Creator!.Handle == Handle).Select(p => p.Id).SingleAsync());
    }

    private async Task AddViewerAsync(string name, MemberStatus status, int? tierId)
    {
        var browser = Site.CreateBrowser();
        var email = Unique.Email(name);
        await browser.RegisterAsync(email);
        await Site.SetAsync(email, Handle, status, tierId);
        await browser.SubmitAsync("/" + Handle, $"/{Handle}/feed-token", new Dictionary<string, string>());
        FeedTokens[name] = await Site.WithDbAsync(db => db.Members.Where(m => m.User!.Email == email).Select(m => m.FeedToken!).SingleAsync());
        Viewers[name] = browser;
        Emails[name] = email;
    }

    public async Task DisposeAsync()
    {
        foreach (var browser in Viewers.Values)
        {
            browser.Dispose();
        }

        await Site.DisposeAsync();
    }
}
