using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>A creator and a fan going through the published site in a real browser.</summary>
public sealed class CreatorJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    private static readonly TierInput Supporter = new(
        "Supporter",
        "5.00",
        Description: "Keep the pencils sharp.",
        Benefits: "Members-only posts\nMonthly sketchbook tour");

    private static readonly TierInput Insider = new(
        "Insider",
        "15.00",
        Description: "Everything, plus a say in what comes next.",
        Benefits: "Everything in Supporter\nVote on the next series\nProcess videos",
        YearlyPrice: "150.00",
        MemberCap: 50);

    [Fact]
    public Task CreatorJourney_SignUpCreateTwoTiers_PublicPageListsThem() => RunAsync(async session =>
    {
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var page = await session.NewPageAsync("creator");

        await page.SignUpAndConfirmAsync(Site, creator);
        await page.SignInAsync(creator);
        await page.CreateCreatorPageAsync(handle, "Jane Draws");
        await Expect(page.TierRows()).ToHaveCountAsync(0);

        await page.AddTierAsync(Supporter);
        await page.AddTierAsync(Insider);
        await Expect(page.TierRows()).ToHaveCountAsync(2);
        await Expect(page.TierRows().Nth(0)).ToContainTextAsync("Supporter");
        await Expect(page.TierRows().Nth(0)).ToContainTextAsync("$5.00");
        await Expect(page.TierRows().Nth(1)).ToContainTextAsync("Insider");
        await Expect(page.TierRows().Nth(1)).ToContainTextAsync("$15.00");

        // The owner sees their own page, without Join buttons.
        await page.GotoAsync($"/{handle}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jane Draws", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("This is your page.")).ToBeVisibleAsync();
        await Expect(page.TierCards()).ToHaveCountAsync(2);

        // A visitor who is not signed in sees both tiers, in order, with prices and places, and can join.
        var visitor = await session.NewPageAsync("visitor");
        await visitor.GotoAsync($"/{handle}");
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Jane Draws", Level = 1 })).ToBeVisibleAsync();
        await Expect(visitor.GetByText("Drawings, sketches and the stories behind them.")).ToBeVisibleAsync();
        await Expect(visitor.MemberCount()).ToHaveTextAsync("0 members");

        var cards = visitor.TierCards();
        await Expect(cards).ToHaveCountAsync(2);
        await Expect(cards.Locator("h3")).ToHaveTextAsync(["Supporter", "Insider"]);

        var supporter = cards.Nth(0);
        await Expect(supporter.Locator(".price")).ToHaveTextAsync("$5.00 a month");
        await Expect(supporter.Locator(".benefits li")).ToHaveTextAsync(["Members-only posts", "Monthly sketchbook tour"]);
        await Expect(supporter.Locator(".places")).ToHaveCountAsync(0);
        await Expect(supporter.GetByRole(AriaRole.Link, new() { Name = "Join" }))
            .ToHaveAttributeAsync("href", new Regex($"^/{handle}/join/\\d+$"));

        var insider = cards.Nth(1);
        await Expect(insider.Locator(".price")).ToHaveTextAsync("$15.00 a month");
        await Expect(insider).ToContainTextAsync("or $150.00 a year");
        await Expect(insider.Locator(".places")).ToHaveTextAsync("50 of 50 places left");
        await Expect(insider.GetByRole(AriaRole.Link, new() { Name = "Join" }))
            .ToHaveAttributeAsync("href", new Regex($"^/{handle}/join/\\d+$"));

        await insider.GetByRole(AriaRole.Link, new() { Name = "Join" }).ClickAsync();
        await Expect(visitor).ToHaveURLAsync(new Regex($"/{handle}/join/\\d+$"));
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Join Insider" })).ToBeVisibleAsync();
    });

    [Fact]
    public Task AddTier_DecimalComma_ShownAsReadThenSavedAsFive_GroupedDigitsRefused() => RunAsync(async session =>
    {
        var creator = Person.New("creator");
        var page = await session.NewPageAsync("creator");
        await page.SignUpAndConfirmAsync(Site, creator);
        await page.SignInAsync(creator);
        await page.CreateCreatorPageAsync(Person.NewHandle(), "Virgule Studio");
        await page.GetByRole(AriaRole.Link, new() { Name = "Add a tier", Exact = true }).ClickAsync();

        // As typed in France or Québec: the form says what it read before anything is saved.
        await page.Locator("[name='Form.MonthlyPrice']").FillAsync("5,00");
        await Expect(page.Locator("#Form_MonthlyPrice-understood")).ToHaveTextAsync("Read as $5.00.");
        await page.Locator("[name='Form.YearlyPrice']").FillAsync("1,200.00");
        await Expect(page.Locator("#Form_YearlyPrice-understood")).ToHaveTextAsync("Write the amount without thousands separators.");
        await Site.ScreenshotAsync(page, "tier-form-price-read");

        // Saved anyway with the grouped yearly price: refused with the reason, nothing saved.
        await page.Locator("[name='Form.Name']").FillAsync("Croissant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add tier", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Form.YearlyPrice']")).ToContainTextAsync("without thousands separators");

        await page.Locator("[name='Form.YearlyPrice']").FillAsync("50,00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add tier", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/creator/tiers$"));
        await Expect(page.TierRows()).ToHaveCountAsync(1);
        await Expect(page.TierRows().Nth(0)).ToContainTextAsync("$5.00");

        // The bio's limit is shown as it is typed, and going over it is said, not cut.
        await page.GotoAsync("/creator/profile");
        await page.Locator("[name='Form.Bio']").FillAsync(new string('b', 2001));
        await Expect(page.Locator("#Form_Bio-count")).ToHaveTextAsync("2,001 of 2,000 characters: 1 too many.");
        await Expect(page.Locator("[name='Form.Bio']")).ToHaveValueAsync(new string('b', 2001));
    });

    [Fact]
    public Task AddTier_ZeroMonthlyPrice_ShowsPriceErrorAndCreatesNothing() => RunAsync(async session =>
    {
        var creator = Person.New("creator");
        var page = await session.NewPageAsync("creator");
        await page.SignUpAndConfirmAsync(Site, creator);
        await page.SignInAsync(creator);
        await page.CreateCreatorPageAsync(Person.NewHandle(), "Zero Price Studio");
        await page.AddTierAsync(Supporter);
        await Expect(page.TierRows()).ToHaveCountAsync(1);

        await page.SubmitTierAsync(new TierInput("Free lunch", "0"));

        // The form comes back with the typed values and the reason, and nothing is saved.
        await Expect(page).ToHaveURLAsync(new Regex("/creator/tiers/new$"));
        await Expect(page.Locator("[data-valmsg-for='Form.MonthlyPrice']")).ToContainTextAsync("A price must be above zero");
        await Expect(page.Locator("[name='Form.Name']")).ToHaveValueAsync("Free lunch");

        await page.GotoAsync("/creator/tiers");
        await Expect(page.TierRows()).ToHaveCountAsync(1);
        await Expect(page.TierRows()).Not.ToContainTextAsync("Free lunch");
    });

    [Fact]
    public Task FanJourney_SignUpAndFollowCreator_PageShowsFollowingAndOneMember_RosterFiltersAndExports() => RunAsync(async session =>
    {
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(handle, "Followable Folk");
        await creatorPage.AddTierAsync(Supporter);

        var fan = Person.New("fan");
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);
        await fanPage.SignInAsync(fan);
        await fanPage.GotoAsync($"/{handle}");
        await Expect(fanPage.MemberCount()).ToHaveTextAsync("0 members");
        await Expect(fanPage.Locator("[data-test=membership-state]")).ToHaveCountAsync(0);

        await fanPage.Locator("[data-test=follow]").ClickAsync();

        await Expect(fanPage).ToHaveURLAsync(new Regex($"/{handle}$"));
        await Expect(fanPage.GetByRole(AriaRole.Status)).ToHaveTextAsync("You follow Followable Folk.");
        await Expect(fanPage.Locator("[data-test=membership-state]")).ToContainTextAsync("You follow this page.");
        await Expect(fanPage.Locator("[data-test=follow]")).ToHaveCountAsync(0);
        await Expect(fanPage.MemberCount()).ToHaveTextAsync("1 member");

        // The creator sees the new member on their page.
        await creatorPage.GotoAsync($"/{handle}");
        await Expect(creatorPage.MemberCount()).ToHaveTextAsync("1 member");

        // ... and in the roster, where the filters narrow the list and the export downloads it.
        await creatorPage.GotoAsync("/creator/members");
        var rows = creatorPage.Locator("[data-test=roster-row]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync(fan.Email);
        await creatorPage.GetByLabel("Status").SelectOptionAsync("active");
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(creatorPage).ToHaveURLAsync(new Regex("status=active"));
        await Expect(rows).ToHaveCountAsync(0);
        await Expect(creatorPage.Locator("[data-test=roster-total]")).ToHaveTextAsync("0");
        await creatorPage.GetByLabel("Status").SelectOptionAsync("free");
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);

        var download = await creatorPage.RunAndWaitForDownloadAsync(() => creatorPage.Locator("[data-test=roster-export]").ClickAsync());
        Assert.EndsWith("-members.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync(await download.PathAsync() ?? throw new InvalidOperationException("No download path."));
        Assert.StartsWith("email,name,status,", csv);
        Assert.Contains(fan.Email + ",", csv);
        Assert.Contains(",free,", csv);
    });
}
