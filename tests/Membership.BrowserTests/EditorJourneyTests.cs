using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>
/// The creator's editor as a creator uses it: an image uploaded from the editor and inserted
/// where the cursor is, with its alt text asked for; "Publish now" with "Also send by email"
/// pressed twice in a row makes one post and one email per member.
/// </summary>
public sealed class EditorJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    /// <summary>A 1 × 1 PNG: small, and a real image the browser decodes.</summary>
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public Task Editor_InsertImageAtTheCursorWithAltText_MembersSeeIt() => RunAsync(async session =>
    {
        var (handle, page) = await CreatorAsync(session, "Tide Tables");
        var fan = Person.New("fan");
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);
        await fanPage.SignInAsync(fan);
        await fanPage.FollowCreatorAsync(handle, "Tide Tables");

        // A new post cannot hold files yet: the editor says to save the draft first.
        await page.GotoAsync("/creator/posts/new");
        await Expect(page.Locator(".editor-tools")).ToContainTextAsync("Save the draft to add images and files to it.");
        await page.Locator("[name='Form.Title']").FillAsync("Low water at dawn");
        await page.Locator("textarea[name='Form.Body']").FillAsync("First line.\n\nLast line.");
        await page.GetByLabel("Members: free followers and paying members").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("\"Low water at dawn\" is saved.");

        // The cursor after "First line.", then "Insert image or file…" and a file chosen from the disk.
        var body = page.Locator("textarea[name='Form.Body']");
        await body.EvaluateAsync("b => { b.focus(); b.setSelectionRange(11, 11); }");
        var folder = Path.Combine(Path.GetTempPath(), $"membership-bt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var imageFile = Path.Combine(folder, "low water.png");
        await File.WriteAllBytesAsync(imageFile, Png);
        var dialog = page.Locator("#alt-text-dialog");
        try
        {
            var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Locator("[data-test=insert-file]").ClickAsync());
            await chooser.SetFilesAsync(imageFile);
            // The browser reads the file when it sends it: the file stays until the upload has answered.
            await Expect(page.Locator("#insert-file-status")).ToHaveTextAsync("low-water.png is attached.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        await Expect(dialog).ToBeVisibleAsync();
        await Site.ScreenshotAsync(page, "editor-alt-text");

        // No description and not marked decoration: asked again, nothing inserted.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Insert image" }).ClickAsync();
        await Expect(page.Locator("#alt-text-error")).ToHaveTextAsync("Describe the image, or tick \"only decoration\".");
        await Expect(dialog).ToBeVisibleAsync();
        await page.Locator("#alt-text-input").FillAsync("The harbour at low water [dawn]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Insert image" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        await Expect(body).ToHaveValueAsync(new Regex(@"!\[The harbour"));
        var markdown = await body.InputValueAsync();
        var inserted = Regex.Match(markdown, @"^First line\.\n\n!\[The harbour at low water \\\[dawn\\\]\]\((/[^)]+/files/\d+)\)\n\nLast line\.$");
        Assert.True(inserted.Success, "The body after inserting: " + markdown);
        var imageUrl = inserted.Groups[1].Value;
        Assert.Equal($"/{handle}/posts/low-water-at-dawn/files/", imageUrl[..imageUrl.LastIndexOf('/')] + "/");

        // The live preview draws it (the server's rendering).
        var previewImage = page.Locator("#post-preview img");
        await Expect(previewImage).ToHaveAttributeAsync("alt", "The harbour at low water [dawn]");
        await Expect(previewImage).ToHaveJSPropertyAsync("naturalWidth", 1);
        await Site.ScreenshotAsync(page, "editor");

        // The attached file can also be inserted again from the file list.
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("\"Low water at dawn\" is published.");
        await Expect(page.Locator("ul.files li")).ToContainTextAsync("low-water.png");
        await Expect(page.Locator("ul.files").GetByRole(AriaRole.Button, new() { Name = "Insert in the post" })).ToBeVisibleAsync();

        // A member reads the post with its image; a visitor gets neither the image nor its address.
        await fanPage.GotoAsync($"/{handle}/posts/low-water-at-dawn");
        var image = fanPage.Locator("[data-test=post-body] img");
        await Expect(image).ToHaveAttributeAsync("alt", "The harbour at low water [dawn]");
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", 1);
        await Site.ScreenshotAsync(fanPage, "post");
        var visitor = await session.NewPageAsync("visitor");
        var refused = await visitor.Context.APIRequest.GetAsync(Site.BaseUrl + imageUrl);
        Assert.True(refused.Status is 403 or 404, $"A visitor got {refused.Status} for {imageUrl}");
    });

    [Fact]
    public Task Editor_PublishAndEmailPressedTwice_OnePostOneEmailEach() => RunAsync(async session =>
    {
        var (handle, page) = await CreatorAsync(session, "Double Tap");
        var fan = Person.New("fan");
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);
        await fanPage.SignInAsync(fan);
        await fanPage.FollowCreatorAsync(handle, "Double Tap");

        var title = $"Only once {Guid.NewGuid():N}"[..22];
        await page.GotoAsync("/creator/posts/new");
        await page.Locator("[name='Form.Title']").FillAsync(title);
        await page.Locator("textarea[name='Form.Body']").FillAsync("Said once, heard once.");
        await page.GetByLabel("Members: free followers and paying members").CheckAsync();
        await page.GetByLabel("Also send by email to the members who can read it, when it is published").CheckAsync();
        // Two presses 300 ms apart, the second while the first is still on its way: each press
        // reaches the site at once, and its answer is held for a second, as on a slow connection.
        var posts = 0;
        await page.RouteAsync("**/creator/posts/new", async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.ContinueAsync();
                return;
            }

            Interlocked.Increment(ref posts);
            var answer = await route.FetchAsync(new() { MaxRedirects = 0 });
            await Task.Delay(1_000);
            try
            {
                await route.FulfillAsync(new() { Response = answer });
            }
            catch (PlaywrightException)
            {
                // The second press replaced this navigation: nobody is waiting for its answer.
            }
        });
        await page.Locator("button[value=Publish]").EvaluateAsync("b => { b.click(); setTimeout(() => b.click(), 300); }");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"\"{title}\" is published.");
        Assert.Equal(2, posts);
        await Site.WaitForEmailAsync(fan.Email, title);

        // Give a second delivery every chance to show up before counting.
        await Task.Delay(3_000);
        Assert.Equal(1, Site.EmailCount(fan.Email, title));
        await page.GotoAsync("/creator/posts");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = title })).ToHaveCountAsync(1);
    });

    /// <summary>A creator with a page and one tier, signed in.</summary>
    private async Task<(string Handle, IPage Page)> CreatorAsync(BrowserSession session, string pageName)
    {
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var page = await session.NewPageAsync("creator");
        await page.SignUpAndConfirmAsync(Site, creator);
        await page.SignInAsync(creator);
        await page.CreateCreatorPageAsync(handle, pageName);
        await page.AddTierAsync(new TierInput("Supporter", "5.00"));
        return (handle, page);
    }
}
