using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>A creator imports a list; the roster marks the imported members; one of them leaves from the email's link without signing in.</summary>
public sealed partial class ImportNoticeTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    [Fact]
    public Task Import_RosterMarksImported_EmailLeaveLinkLeavesWithoutSigningIn() => RunAsync(async session =>
    {
        var creator = Person.New("importer");
        var fan = Person.New("listed");
        var pageName = "Imported Ink " + Guid.NewGuid().ToString("N")[..6];
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(Person.NewHandle(), pageName);
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);

        var newcomer = $"newcomer-{Guid.NewGuid():N}@example.com";
        await creatorPage.GotoAsync("/creator/members/import");
        await creatorPage.Locator("#file").SetInputFilesAsync(new FilePayload
        {
            Name = "old-list.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes($"email,name\n{fan.Email},{fan.Name}\n{newcomer},Nora Newcomer\n"),
        });
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(creatorPage.Locator("[data-test=import-preview]")).ToContainTextAsync("2 of 2 rows");
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Import 2 members" }).ClickAsync();
        await Expect(creatorPage.GetByRole(AriaRole.Status)).ToContainTextAsync("2 members imported; each was told by email.");
        await Expect(creatorPage.Locator("[data-test=roster-row] [data-test=imported]")).ToHaveCountAsync(2);
        await Site.ScreenshotAsync(creatorPage, "roster-imported");
        await creatorPage.GetByRole(AriaRole.Link, new() { Name = fan.Name }).ClickAsync();
        await Expect(creatorPage.Locator("[data-test=member-imported]")).ToContainTextAsync("from the file old-list.csv");
        await Site.ScreenshotAsync(creatorPage, "member-imported");

        var email = await Site.WaitForEmailAsync(fan.Email, $"{pageName} added you to their members");
        Assert.Contains("You already have an account here", email.TextBody);
        var leave = LeaveLink().Match(email.TextBody).Value;
        Assert.StartsWith(Site.BaseUrl + "/email/leave/", leave, StringComparison.Ordinal);
        Assert.Contains("An account was made for you", (await Site.WaitForEmailAsync(newcomer, $"{pageName} added you to their members")).TextBody);

        // Opened by someone not signed in (a phone's mail app): the page names the creator, one button leaves.
        var reader = await session.NewPageAsync("reader");
        await reader.GotoAsync(leave[..^4] + "xxxx");
        await Expect(reader.GetByRole(AriaRole.Heading, new() { Name = "This leave link is not valid" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(reader, "leave-invalid");
        await reader.GotoAsync(leave);
        await Expect(reader.GetByRole(AriaRole.Heading, new() { Name = $"Leave {pageName}'s members?" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(reader, "leave");
        await reader.GetByRole(AriaRole.Button, new() { Name = $"Leave {pageName}'s members" }).ClickAsync();
        await Expect(reader.GetByRole(AriaRole.Heading, new() { Name = $"You have left {pageName}'s members" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(reader, "leave-done");

        await creatorPage.GotoAsync("/creator/members");
        await Expect(creatorPage.Locator("[data-test=roster-row]")).ToHaveCountAsync(1);
        await Expect(creatorPage.Locator("[data-test=roster-row]")).ToContainTextAsync("Nora Newcomer");
    });

    [GeneratedRegex(@"https?://\S+/email/leave/\S+")]
    private static partial Regex LeaveLink();
}
