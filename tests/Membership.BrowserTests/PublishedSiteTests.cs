using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>The published site as an operator starts it: <c>dotnet /path/Membership.Web.dll</c> from another folder.</summary>
public sealed class PublishedSiteTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    [Fact]
    public Task PublishedSite_StartedFromAnotherFolder_ServesStylesAndConfirmsSignUp() => RunAsync(async session =>
    {
        // The fixture starts the site from an empty folder of its own, not from the publish folder.
        Assert.NotEqual(Path.GetFullPath(Site.PublishDirectory), Path.GetFullPath(Site.WorkingDirectory));
        Assert.Contains($"Content root path: {Path.TrimEndingDirectorySeparator(Site.PublishDirectory)}", Site.ServerLog);

        var page = await session.NewPageAsync("newcomer");
        await page.GotoAsync("/account/sign-up");
        var stylesheet = await page.Locator("link[rel='stylesheet']").First.GetAttributeAsync("href");
        Assert.NotNull(stylesheet);
        foreach (var asset in new[] { stylesheet, "/lib/chart.js/chart.umd.js" })
        {
            var response = await page.APIRequest.GetAsync(asset);
            Assert.True(response.Status == 200, $"GET {asset} answered {response.Status}");
        }

        // The page is styled (site.css applied), and sign-up finds its email template.
        await Expect(page.Locator("section.card").First).Not.ToHaveCSSAsync("background-color", "rgba(0, 0, 0, 0)");
        var person = Person.New("elsewhere");
        await page.SignUpAndConfirmAsync(Site, person);
        await page.SignInAsync(person);

        // Nothing of the site's lands in the folder it was started from.
        Assert.Empty(Directory.EnumerateFileSystemEntries(Site.WorkingDirectory));
    });
}
