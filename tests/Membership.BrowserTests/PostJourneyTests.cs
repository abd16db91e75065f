using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>A creator writes a tier-only post with a paywall cut and an audio file and connects payouts; a visitor sees the teaser, a fan joins through Checkout and reads it all.</summary>
public sealed class PostJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    /// <summary>The kept screenshot of the member's view, in the artifacts folder.</summary>
    public const string MemberScreenshot = "post-journey-member.png";

    /// <summary>The kept screenshot of the creator's dashboard with its charts.</summary>
    public const string DashboardScreenshot = "post-journey-dashboard.png";

    private const string PageName = "Ink & Audio";
    private const string Title = "Inking the harbour, with commentary";
    private const string Slug = "inking-the-harbour";
    private const string Teaser = "Tonight I ink the harbour drawing from last week, start to finish.";

    [Fact]
    public Task PostJourney_TierOnlyPostWithCutAndAudio_TeaserForVisitorsFullForMember() => RunAsync(async session =>
    {
        // A word that appears only below the cut: it must never reach a reader who may not read it.
        var marker = $"insider-secret-{Guid.NewGuid():N}";
        var body = $"""
            {Teaser}

            <!--members-only-->

            Members only: the brush settings are in the notes. Code word {marker}.
            """;

        // 1. The creator, their page and two tiers.
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(handle, PageName);
        await creatorPage.AddTierAsync(new TierInput("Supporter", "5.00"));
        await creatorPage.AddTierAsync(new TierInput("Insider", "15.00"));

        // 2. The post: the live preview shows the teaser and where the cut is; only Insider may read below it.
        await creatorPage.GotoAsync("/creator/posts/new");
        await Expect(creatorPage.GetByRole(AriaRole.Heading, new() { Name = "Write a post" })).ToBeVisibleAsync();
        await creatorPage.Locator("[name='Form.Title']").FillAsync(Title);
        await creatorPage.Locator("[name='Form.Slug']").FillAsync(Slug);
        await creatorPage.Locator("[name='Form.Excerpt']").FillAsync("A night at the drawing desk.");
        await creatorPage.Locator("textarea[name='Form.Body']").FillAsync(body);

        var preview = creatorPage.Locator("#post-preview");
        await Expect(preview.Locator("hr.paywall-cut")).ToBeVisibleAsync();
        await Expect(preview).ToContainTextAsync(Teaser);
        await Expect(preview).ToContainTextAsync(marker);

        await creatorPage.GetByLabel("Members of specific tiers").CheckAsync();
        await creatorPage.GetByRole(AriaRole.Checkbox, new() { Name = "Insider", Exact = true }).CheckAsync();
        await Expect(creatorPage.GetByRole(AriaRole.Checkbox, new() { Name = "Supporter", Exact = true })).Not.ToBeCheckedAsync();
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Publish now", Exact = true }).ClickAsync();

        await Expect(creatorPage).ToHaveURLAsync(new Regex(@"/creator/posts/\d+$"));
        await Expect(creatorPage.GetByRole(AriaRole.Status)).ToHaveTextAsync($"\"{Title}\" is published.");
        await Expect(creatorPage.Locator("[data-test=post-status]")).ToHaveTextAsync("Published");

        // 3. An audio file, recognised as MP3 from its bytes.
        var audioBytes = SmallMp3();
        var audioFile = Path.Combine(Path.GetTempPath(), $"membership-bt-{Guid.NewGuid():N}", "harbour-commentary.mp3");
        Directory.CreateDirectory(Path.GetDirectoryName(audioFile)!);
        try
        {
            await File.WriteAllBytesAsync(audioFile, audioBytes);
            await creatorPage.Locator("input[type=file][name=file]").SetInputFilesAsync(audioFile);
            await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(audioFile)!, recursive: true);
        }

        await Expect(creatorPage.GetByRole(AriaRole.Status)).ToHaveTextAsync("harbour-commentary.mp3 is attached.");
        var files = creatorPage.Locator("ul.files li");
        await Expect(files).ToHaveCountAsync(1);
        await Expect(files).ToContainTextAsync("harbour-commentary.mp3");
        await Expect(files).ToContainTextAsync("audio/mpeg");
        var postUrl = $"/{handle}/posts/{Slug}";
        var fileLink = files.GetByRole(AriaRole.Link, new() { Name = "harbour-commentary.mp3" });
        await Expect(fileLink).ToHaveAttributeAsync("href", new Regex($"^{Regex.Escape(postUrl)}/files/\\d+$"));
        var fileUrl = await fileLink.GetAttributeAsync("href") ?? throw new InvalidOperationException("The file link has no href.");

        // 4. A visitor who is not signed in: the teaser, the paywall naming Insider only, and nothing from below the cut.
        var visitor = await session.NewPageAsync("visitor");
        await visitor.GotoAsync(postUrl);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = Title, Level = 1 })).ToBeVisibleAsync();
        await Expect(visitor.Locator("[data-test=post-teaser]")).ToContainTextAsync(Teaser);
        await Expect(visitor.Locator("[data-test=paywall]")).ToContainTextAsync("The rest of this post is for members of Insider.");
        var joinLinks = visitor.Locator("[data-test=join-tier]");
        await Expect(joinLinks).ToHaveCountAsync(1);
        await Expect(joinLinks).ToHaveTextAsync("Join Insider ($15.00/month)");
        await Expect(joinLinks).ToHaveAttributeAsync("href", new Regex($"^/{handle}/join/\\d+$"));
        await Expect(visitor.Locator("[data-test=paywall]")).Not.ToContainTextAsync("Supporter");
        await Expect(visitor.Locator("[data-test=post-body]")).ToHaveCountAsync(0);
        await Expect(visitor.Locator("audio")).ToHaveCountAsync(0);
        var visitorHtml = await visitor.ContentAsync();
        Assert.DoesNotContain(marker, visitorHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("harbour-commentary", visitorHtml, StringComparison.Ordinal);

        var visitorDownload = await visitor.Context.APIRequest.GetAsync(Site.BaseUrl + fileUrl);
        Assert.True(visitorDownload.Status is 403 or 404, $"A visitor downloading {fileUrl} got {visitorDownload.Status}, not 403/404.");
        Assert.False((await visitorDownload.BodyAsync()).AsSpan().StartsWith("ID3"u8), "A visitor was sent the audio file's bytes.");

        // 5. The creator connects payouts through Stripe's (the built-in emulator's) onboarding page.
        await creatorPage.GotoAsync("/creator/payouts");
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Connect payouts with Stripe" }).ClickAsync();
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Complete onboarding" }).ClickAsync();
        await Expect(creatorPage).ToHaveURLAsync(new Regex("/creator/payouts$"));
        await Expect(creatorPage.Locator("[data-test=payouts-connected]")).ToBeVisibleAsync();

        // 6. A fan follows; following for free is not enough for a tier-only post.
        var fan = Person.New("fan");
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);
        await fanPage.SignInAsync(fan);
        await fanPage.FollowCreatorAsync(handle, PageName);
        await fanPage.GotoAsync(postUrl);
        await Expect(fanPage.Locator("[data-test=paywall]")).ToBeVisibleAsync();
        await Expect(fanPage.Locator("[data-test=post-body]")).ToHaveCountAsync(0);

        // 7. The fan joins Insider from the paywall, pays on the Checkout page, and waits for Stripe's word.
        await fanPage.Locator("[data-test=join-tier]").ClickAsync();
        await Expect(fanPage.GetByRole(AriaRole.Heading, new() { Name = "Join Insider" })).ToBeVisibleAsync();
        await Expect(fanPage.Locator("[data-test=payments-simulated]")).ToBeVisibleAsync();
        await fanPage.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
        await fanPage.GetByLabel("Card number").FillAsync("4242 4242 4242 4242");
        await fanPage.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await Expect(fanPage).ToHaveURLAsync(new Regex($"/{handle}/join/done\\?attempt=\\d+$"));
        await Expect(fanPage.Locator("[data-test=join-confirmed]")).ToHaveTextAsync("Welcome to Insider", new() { Timeout = 30_000 });
        await Site.WaitForEmailAsync(fan.Email, "Welcome to Insider");

        await fanPage.GotoAsync($"/{handle}");
        await Expect(fanPage.Locator("[data-test=membership-state]")).ToContainTextAsync("You are a member: Insider,");
        await Expect(fanPage.Locator("[data-test=membership-state]")).ToContainTextAsync("Next payment:");
        await Expect(fanPage.Locator("[data-test=your-tier]")).ToHaveTextAsync("Your tier");
        await Expect(fanPage.Locator("[data-test=manage-membership]")).ToBeVisibleAsync();

        await fanPage.GotoAsync(postUrl);
        var postBody = fanPage.Locator("[data-test=post-body]");
        await Expect(postBody).ToContainTextAsync(Teaser);
        await Expect(postBody).ToContainTextAsync(marker);
        await Expect(fanPage.Locator("[data-test=paywall]")).ToHaveCountAsync(0);
        var audio = fanPage.Locator("article.post audio");
        await Expect(audio).ToHaveCountAsync(1);
        await Expect(audio).ToHaveAttributeAsync("src", fileUrl);
        await Expect(audio).ToHaveAttributeAsync("controls", "");

        var memberDownload = await fanPage.Context.APIRequest.GetAsync(Site.BaseUrl + fileUrl);
        Assert.Equal(200, memberDownload.Status);
        Assert.Equal("audio/mpeg", memberDownload.Headers["content-type"]);
        Assert.Equal(audioBytes, await memberDownload.BodyAsync());

        // 8. Kept artefact: what a member sees.
        Directory.CreateDirectory(PublishedSite.ArtifactsDirectory);
        var screenshot = Path.Combine(PublishedSite.ArtifactsDirectory, MemberScreenshot);
        await fanPage.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Output.WriteLine($"Screenshot: {screenshot}");

        // 9. The creator's dashboard counts the new member, and its charts draw (Chart.js from the site, under the CSP).
        var scriptErrors = new List<string>();
        creatorPage.PageError += (_, error) => scriptErrors.Add(error);
        await creatorPage.GotoAsync("/creator/dashboard");
        await Expect(creatorPage.Locator("[data-test=now-paid]")).ToHaveTextAsync("1");
        await Expect(creatorPage.Locator("[data-test=now-mrr]")).ToHaveTextAsync("$15.00");
        await Expect(creatorPage.Locator("#dashboard-charts")).ToHaveAttributeAsync("data-rendered", "true");
        Assert.Empty(scriptErrors);
        var dashboardShot = Path.Combine(PublishedSite.ArtifactsDirectory, DashboardScreenshot);
        await creatorPage.ScreenshotAsync(new() { Path = dashboardShot, FullPage = true });
        Output.WriteLine($"Screenshot: {dashboardShot}");
    });

    /// <summary>
    /// A few KB that look like an MP3: an empty ID3v2.4 tag, then ten silent MPEG-1 Layer III
    /// frames (128 kbit/s, 44.1 kHz, 417 bytes each). The site recognises the type from the "ID3" start.
    /// </summary>
    private static byte[] SmallMp3()
    {
        const int frameLength = 417;
        const int frames = 10;
        var mp3 = new List<byte>(10 + (frames * frameLength));
        mp3.AddRange(Encoding.ASCII.GetBytes("ID3"));
        mp3.AddRange([0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]); // version 2.4, no flags, tag size 0
        for (var i = 0; i < frames; i++)
        {
            mp3.AddRange([0xFF, 0xFB, 0x90, 0x64]);
            mp3.AddRange(new byte[frameLength - 4]);
        }

        return [.. mp3];
    }
}
