using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Creators;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Creators;

public sealed class CreatorPageTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task LockedPosts_BadgeSaysWhoTheyAreFor_TierOnlyIsNotMembersOnly()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        await creator.CreateTierAsync(TestBrowser.TierFields("Gold"));
        var gold = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id).SingleAsync());
        foreach (var (title, access) in new[] { ("For members", "Members"), ("For gold", "Tiers") })
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new("Form.Title", title), new("Form.Body", "Teaser\n\n<!--members-only-->\n\nSecret"), new("Form.Access", access), new("Form.Intent", "Publish"),
            };
            if (access == "Tiers")
            {
                fields.Add(new("Form.TierIds", gold.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            Assert.Equal(HttpStatusCode.Redirect, (await creator.SubmitAsync("/creator/posts/new", "/creator/posts/new", fields)).Status);
        }

        using var visitor = site.CreateBrowser();
        var page = (await visitor.GetAsync("/" + handle)).Html;

        Assert.Contains("For members</a> <span class=\"badge\">Members only</span>", page);
        Assert.Contains("For gold</a> <span class=\"badge\">Selected tiers</span>", page);
    }

    [Fact]
    public async Task Bio_OverTheLimit_RefusedWithTheLimit_NotCut()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        var form = await creator.GetAsync("/creator/profile");
        Assert.Contains("data-counter-max=\"2000\"", form.Html);
        var before = await site.WithDbAsync(db => db.Creators.Where(c => c.Handle == handle).Select(c => c.Bio).SingleAsync());

        var refused = await creator.SubmitAsync("/creator/profile", "/creator/profile", new Dictionary<string, string>
        {
            ["Form.Handle"] = handle, ["Form.DisplayName"] = "Long Story", ["Form.Bio"] = new string('a', 2001), ["Form.Currency"] = "USD",
            ["Form.YearlyGoal"] = "100000.00", ["Form.TrueFanThreshold"] = "100.00",
        });

        Assert.Contains("Keep the bio under 2,000 characters.", refused.Text);
        Assert.Equal(before, await site.WithDbAsync(db => db.Creators.Where(c => c.Handle == handle).Select(c => c.Bio).SingleAsync()));
    }

    [Theory]
    [InlineData("admin", "is reserved by the site")]
    [InlineData("account", "is reserved by the site")]
    [InlineData("ping", "\"ping\" is reserved by the site. Choose another handle.")]
    [InlineData("ab", "Use 3 to 30 characters.")]
    [InlineData("Has Space", "Use lower-case letters, digits and single hyphens")]
    [InlineData("9lives", "Use lower-case letters, digits and single hyphens")]
    [InlineData("double--hyphen", "Use lower-case letters, digits and single hyphens")]
    [InlineData("trailing-", "Use lower-case letters, digits and single hyphens")]
    public async Task Setup_BadHandle_ShowsMessageAndWritesNothing(string handle, string message)
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var before = await site.WithDbAsync(db => db.Creators.CountAsync());

        var page = await browser.CreateCreatorPageAsync(handle);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(message, page.Text);
        Assert.Equal(before, await site.WithDbAsync(db => db.Creators.CountAsync()));
    }

    /// <summary>Fails when a route or static folder is added whose first segment a creator could still take as a handle.</summary>
    [Fact]
    public async Task Setup_FirstSegmentOfAnyRouteOrStaticFolder_IsRefused()
    {
        var routes = ReservedHandles.FirstRouteSegments(site.Services.GetRequiredService<EndpointDataSource>());
        var staticEntries = site.Services.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider.GetDirectoryContents("").Select(e => e.Name);
        var words = routes.Concat(staticEntries).Select(w => w.ToLowerInvariant()).Where(w => w.Length > 0).Distinct().ToList();
        Assert.Superset(new HashSet<string> { "account", "admin", "creator", "css", "email", "error", "feeds", "healthz", "js", "lib", "ping", "webhooks" }, words.ToHashSet());
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var before = await site.WithDbAsync(db => db.Creators.CountAsync());

        foreach (var word in words)
        {
            var page = await browser.CreateCreatorPageAsync(word);

            Assert.True(page.Status == HttpStatusCode.OK, $"\"{word}\" was taken as a handle ({(int)page.Status})");
            Assert.Contains(Handles.Problem(word, new HashSet<string>()) ?? $"\"{word}\" is reserved by the site.", page.Text);
        }

        Assert.Equal(before, await site.WithDbAsync(db => db.Creators.CountAsync()));
    }

    [Fact]
    public async Task Setup_HandleTakenInAnyCase_ShowsMessage()
    {
        using var first = site.CreateBrowser();
        await first.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        Assert.Equal(HttpStatusCode.Redirect, (await first.CreateCreatorPageAsync(handle)).Status);

        using var second = site.CreateBrowser();
        await second.RegisterAsync(Unique.Email());
        var page = await second.CreateCreatorPageAsync(handle.ToUpperInvariant());

        Assert.Contains("That handle is taken. Choose another.", page.Text);
        Assert.Equal(1, await site.WithDbAsync(db => db.Creators.CountAsync(c => c.Handle == handle)));
    }

    [Theory]
    [InlineData("Form.Currency", "XXX", "Choose a currency from the list.")]
    [InlineData("Form.YearlyGoal", "lots", "Enter an amount like")]
    [InlineData("Form.YearlyGoal", "0", "Enter an amount above zero.")]
    [InlineData("Form.TrueFanThreshold", "100.001", "USD amounts have at most 2 decimals.")]
    public async Task Setup_BadMoneySettings_ShowsMessageAndWritesNothing(string field, string value, string message)
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();

        var page = await browser.SubmitAsync("/creator/setup", "/creator/setup", new Dictionary<string, string>
        {
            ["Form.Handle"] = handle,
            ["Form.DisplayName"] = "Someone",
            ["Form.Currency"] = "USD",
            ["Form.YearlyGoal"] = "100000",
            ["Form.TrueFanThreshold"] = "100",
            [field] = value,
        });

        Assert.Contains(message, page.Text);
        Assert.False(await site.WithDbAsync(db => db.Creators.AnyAsync(c => c.Handle == handle)));
    }

    [Fact]
    public async Task Setup_Defaults_AreGoalOneHundredThousandAndThresholdOneHundredInMinorUnits()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());

        var form = await browser.GetAsync("/creator/setup");
        Assert.Contains("value=\"100000.00\"", form.Html);
        Assert.Contains("value=\"100.00\"", form.Html);

        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle, currency: "JPY");
        var creator = await site.WithDbAsync(db => db.Creators.SingleAsync(c => c.Handle == handle));
        Assert.Equal("JPY", creator.Currency);
        Assert.Equal(100_000, creator.YearlyGoalMinor);
        Assert.Equal(100, creator.TrueFanThresholdMinor);
    }

    [Fact]
    public async Task EditProfile_CurrencyChangeAfterTiers_IsRefused()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        await browser.CreateTierAsync(TestBrowser.TierFields("Gold"));

        var page = await browser.SubmitAsync("/creator/profile", "/creator/profile", new Dictionary<string, string>
        {
            ["Form.Handle"] = handle,
            ["Form.DisplayName"] = "Renamed",
            ["Form.Currency"] = "EUR",
            ["Form.YearlyGoal"] = "100000",
            ["Form.TrueFanThreshold"] = "100",
        });

        Assert.Contains("Your tiers are priced in USD, so the currency cannot change.", page.Text);
        var creator = await site.WithDbAsync(db => db.Creators.SingleAsync(c => c.Handle == handle));
        Assert.Equal("USD", creator.Currency);
        Assert.NotEqual("Renamed", creator.DisplayName);
    }

    [Fact]
    public async Task PublicPage_ListsActiveTiersInOrderWithPlacesLeft_HidesArchived()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        await creator.CreateTierAsync(TestBrowser.TierFields("Bronze", "3.00"));
        await creator.CreateTierAsync(TestBrowser.TierFields("Silver", "7.50", yearly: "75.00", cap: "50", trial: "14"));
        await creator.CreateTierAsync(TestBrowser.TierFields("Retired", "9.00"));
        var retired = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Name == "Retired" && t.Creator!.Handle == handle));
        await creator.SubmitAsync("/creator/tiers", $"/creator/tiers/{retired.Id}/archive", new Dictionary<string, string>());
        var silver = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Name == "Silver" && t.Creator!.Handle == handle));
        await site.AddMembersAsync(silver, 6, MemberStatus.Active);
        await site.AddMembersAsync(silver, 6, MemberStatus.PastDue);
        await site.AddMembersAsync(silver, 1, MemberStatus.Ended);

        using var visitor = site.CreateBrowser();
        var page = await visitor.GetAsync("/" + handle);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var bronzeAt = page.Html.IndexOf("Bronze", StringComparison.Ordinal);
        var silverAt = page.Html.IndexOf("Silver", StringComparison.Ordinal);
        Assert.True(bronzeAt > 0 && silverAt > bronzeAt, "Tiers are listed in the creator's order");
        Assert.DoesNotContain("Retired", page.Html);
        Assert.Contains("$3.00", page.Html);
        Assert.Contains("$7.50", page.Html);
        Assert.Contains("$75.00", page.Html);
        Assert.Contains("38 of 50 places left", page.Html);
        Assert.Contains("14-day free trial", page.Html);
        Assert.Contains($"/{handle}/join/{silver.Id}", page.Html);
        Assert.Contains("Follow for free", page.Html);
    }

    [Fact]
    public async Task PublicPage_UnknownHandle_Is404()
    {
        using var browser = site.CreateBrowser();

        var page = await browser.GetAsync("/no-such-creator-here");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("Page not found", page.Html);
    }

    [Fact]
    public async Task Join_ArchivedOrOtherCreatorsTier_Is404_OpenTierSaysPaymentsNotOpen()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        await creator.CreateTierAsync(TestBrowser.TierFields("Open"));
        await creator.CreateTierAsync(TestBrowser.TierFields("Closed"));
        var tiers = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).ToDictionaryAsync(t => t.Name, t => t.Id));
        await creator.SubmitAsync("/creator/tiers", $"/creator/tiers/{tiers["Closed"]}/archive", new Dictionary<string, string>());

        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email());
        var otherHandle = Unique.Handle();
        await other.CreateCreatorPageAsync(otherHandle);

        using var visitor = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/{handle}/join/{tiers["Closed"]}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/{otherHandle}/join/{tiers["Open"]}")).Status);
        var open = await visitor.GetAsync($"/{handle}/join/{tiers["Open"]}");
        Assert.Equal(HttpStatusCode.OK, open.Status);
        Assert.Contains("paid memberships are not open", open.Html);
    }

    [Fact]
    public async Task Follow_TwiceThenUnfollow_OneMembershipThenLeft_FollowAgain_Following()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);

        using var fan = site.CreateBrowser();
        var fanEmail = Unique.Email("fan");
        await fan.RegisterAsync(fanEmail);
        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", new Dictionary<string, string>());
        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", new Dictionary<string, string>());

        var members = await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).ToListAsync());
        var member = Assert.Single(members);
        Assert.Equal(MemberStatus.Following, member.Status);
        Assert.Null(member.TierId);
        Assert.Contains("You follow this page.", (await fan.GetAsync("/" + handle)).Html);

        await fan.SubmitAsync("/" + handle, $"/{handle}/unfollow", new Dictionary<string, string>());
        // The row stays (history, past deliveries), marked left, and the page no longer counts it.
        Assert.Equal(MemberStatus.Left, await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).Select(m => m.Status).SingleAsync()));
        var page = await fan.GetAsync("/" + handle);
        Assert.Contains("0 members", page.Html);
        Assert.Contains("Follow for free", page.Html);

        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", new Dictionary<string, string>());
        Assert.Equal(MemberStatus.Following, await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).Select(m => m.Status).SingleAsync()));
    }

    [Fact]
    public async Task EmailPreference_NotABoolean_400AndPreferenceUnchanged()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email("fan"));
        await fan.SubmitAsync("/" + handle, $"/{handle}/follow", new Dictionary<string, string>());
        Task<bool> PostEmails() => site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).Select(m => m.PostEmails).SingleAsync());
        Assert.True(await PostEmails());

        foreach (var fields in new[] { new Dictionary<string, string> { ["postEmails"] = "maybe" }, new() { ["postEmails"] = "" }, new() { ["postEmails"] = "0" }, new() })
        {
            var page = await fan.SubmitAsync("/" + handle, $"/{handle}/email-preference", fields);

            Assert.Equal(HttpStatusCode.BadRequest, page.Status);
            Assert.Contains("postEmails must be true or false; your email preference is unchanged.", page.Text);
            Assert.True(await PostEmails());
        }

        var off = await fan.SubmitAsync("/" + handle, $"/{handle}/email-preference", new Dictionary<string, string> { ["postEmails"] = "false" });
        Assert.Equal(HttpStatusCode.Redirect, off.Status);
        Assert.False(await PostEmails());
    }

    [Fact]
    public async Task Follow_Anonymous_RedirectsToSignIn_OwnPage_IsRefused()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);

        using var anonymous = site.CreateBrowser();
        // Anonymous visitors get a sign-in link, not a form (their page is cacheable); a post anyway is sent to sign in.
        var link = await anonymous.GetAsync("/" + handle);
        Assert.Contains($"href=\"/account/sign-in?returnUrl=%2F{handle}\"", link.Html);
        var page = await anonymous.PostAsync($"/{handle}/follow", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Contains("/account/sign-in", page.Location);

        await creator.SubmitAsync("/" + handle, $"/{handle}/follow", new Dictionary<string, string>());
        Assert.Equal(0, await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task Follow_WithoutAntiforgeryToken_Is400AndWritesNothing()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email());

        var page = await fan.PostAsync($"/{handle}/follow", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(0, await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == handle)));
    }
}
