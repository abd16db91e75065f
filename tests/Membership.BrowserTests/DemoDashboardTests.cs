using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>The demo creator, with a generated year of history, reads the dashboard (contraction and MRR at risk included) and the roster.</summary>
public sealed class DemoDashboardTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    public const string Screenshot = "demo-dashboard.png";

    [Fact]
    public Task DemoCreator_DashboardChartsDraw_RosterFiltersNarrow() => RunAsync(async session =>
    {
        Output.WriteLine(await Site.RunCommandAsync("seed-demo", "--members", "400", "--months", "12"));
        var demo = new Person("Dana Demo", "creator@demo.membership.local", "demo-creator-password");
        var page = await session.NewPageAsync("demo-creator");
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);
        await page.SignInAsync(demo);

        await page.GotoAsync("/creator/dashboard?range=all");
        await Expect(page.Locator("#dashboard-charts")).ToHaveAttributeAsync("data-rendered", "true");
        await Expect(page.Locator("[data-test=now-mrr]")).Not.ToHaveTextAsync("$0.00");
        await Expect(page.Locator("[data-test=cohorts] tbody tr")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-test=month-table] tbody tr")).ToHaveCountAsync(12);
        // The demo has members cancelling at the period's end and members who moved to a cheaper tier or interval.
        await Expect(page.Locator("[data-test=now-mrr-at-risk]")).Not.ToHaveTextAsync("$0.00");
        var contraction = await page.Locator("[data-test=month-table] [data-test=contraction]").AllInnerTextsAsync();
        Assert.Equal(12, contraction.Count);
        Assert.Contains(contraction, text => text != "$0.00");
        Assert.Empty(scriptErrors);
        Directory.CreateDirectory(PublishedSite.ArtifactsDirectory);
        var shot = Path.Combine(PublishedSite.ArtifactsDirectory, Screenshot);
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        Output.WriteLine($"Screenshot: {shot}");

        await Site.ScreenshotAsync(page, "dashboard-all");
        await page.GotoAsync("/creator/dashboard?range=12");
        await Expect(page.Locator("#dashboard-charts")).ToHaveAttributeAsync("data-rendered", "true");
        await Site.ScreenshotAsync(page, "dashboard-12-months");

        await page.GotoAsync("/creator/members");
        await Site.ScreenshotAsync(page, "roster");
        var total = int.Parse(await page.Locator("[data-test=roster-total]").InnerTextAsync());
        // 400 generated fans and the demo fan, less those who stopped following (the roster leaves them out).
        Assert.InRange(total, 300, 400);
        await Expect(page.Locator("[data-test=roster-row]")).ToHaveCountAsync(50);

        // Forward two pages, back one, then to the first: each page is the same 50 people it was.
        var rows = page.Locator("[data-test=roster-row] td:nth-child(2)");
        var first = await rows.AllInnerTextsAsync();
        await page.Locator("[data-test=roster-next]").ClickAsync();
        var second = await rows.AllInnerTextsAsync();
        await page.Locator("[data-test=roster-next]").ClickAsync();
        var third = await rows.AllInnerTextsAsync();
        Assert.Empty(first.Intersect(second));
        Assert.Empty(second.Intersect(third));
        await page.Locator("[data-test=roster-previous]").ClickAsync();
        Assert.Equal(second, await rows.AllInnerTextsAsync());
        await page.Locator("[data-test=roster-previous]").ClickAsync();
        Assert.Equal(first, await rows.AllInnerTextsAsync());
        await Expect(page.Locator("[data-test=roster-previous]")).ToHaveCountAsync(0);
        await page.Locator("[data-test=roster-next]").ClickAsync();
        await page.Locator("[data-test=roster-first]").ClickAsync();
        Assert.Equal(first, await rows.AllInnerTextsAsync());

        // One member's page, as the creator sees it.
        await page.Locator("[data-test=roster-row] a").First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "All members" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(page, "member-page");
        await page.GotoAsync("/creator/members");
        await page.GetByLabel("Status").SelectOptionAsync("ended");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("status=ended"));
        var ended = int.Parse(await page.Locator("[data-test=roster-total]").InnerTextAsync());
        Assert.InRange(ended, 1, total - 1);
        foreach (var status in await page.Locator("[data-test=roster-row] td:nth-child(3)").AllInnerTextsAsync())
        {
            Assert.Equal("ended", status);
        }
    });
}
