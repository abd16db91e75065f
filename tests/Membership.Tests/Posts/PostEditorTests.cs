using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Posts;

public sealed class PostEditorTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    private async Task<(TestBrowser Browser, string Handle)> CreatorAsync()
    {
        var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        return (browser, handle);
    }

    private static List<KeyValuePair<string, string>> Fields(string title = "A post", string access = "Public", string intent = "Save", string body = "Hello", string? slug = null, string? scheduleAt = null, params int[] tiers)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Form.Title", title),
            new("Form.Body", body),
            new("Form.Access", access),
            new("Form.Intent", intent),
        };
        if (slug is not null)
        {
            fields.Add(new("Form.Slug", slug));
        }

        if (scheduleAt is not null)
        {
            fields.Add(new("Form.ScheduleAt", scheduleAt));
        }

        fields.AddRange(tiers.Select(t => new KeyValuePair<string, string>("Form.TierIds", t.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return fields;
    }

    [Fact]
    public async Task NewPost_Invalid_ShowsMessageAndWritesNothing()
    {
        var (browser, handle) = await CreatorAsync();
        await browser.CreateTierAsync(TestBrowser.TierFields("Mine"));
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email());
        var otherHandle = Unique.Handle();
        await other.CreateCreatorPageAsync(otherHandle);
        await other.CreateTierAsync(TestBrowser.TierFields("Theirs"));
        var theirTier = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == otherHandle).Select(t => t.Id).SingleAsync());

        var cases = new (List<KeyValuePair<string, string>> Fields, string Message)[]
        {
            (Fields(title: ""), "Give the post a title."),
            (Fields(access: "Tiers"), "Choose at least one tier"),
            (Fields(access: "Tiers", tiers: theirTier), "Choose tiers from your own list."),
            (Fields(access: "Everyone"), "is not valid"),
            (Fields(slug: "Not A Slug!"), "Use lower-case letters, digits and single hyphens"),
            (Fields(intent: "Schedule", scheduleAt: "2001-01-01T10:00"), "Choose a time in the future"),
            (Fields(intent: "Schedule", scheduleAt: "tomorrow"), "Enter the date and time to publish, in UTC."),
        };
        foreach (var (fields, message) in cases)
        {
            var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", fields);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains(message, page.Text);
        }

        Assert.Equal(0, await site.WithDbAsync(db => db.Posts.CountAsync(p => p.Creator!.Handle == handle)));
        browser.Dispose();
    }

    [Fact]
    public async Task PublishedPost_KeepsItsSlug_AndDuplicateTitlesGetNumberedSlugs()
    {
        var (browser, handle) = await CreatorAsync();
        var first = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Hello World!", intent: "Publish"));
        await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Hello world"));
        var slugs = await site.WithDbAsync(db => db.Posts.Where(p => p.Creator!.Handle == handle).OrderBy(p => p.Id).Select(p => p.Slug).ToListAsync());
        Assert.Equal(["hello-world", "hello-world-2"], slugs);

        var refused = await browser.SubmitAsync(first.Location!, first.Location!, Fields(title: "Renamed", slug: "new-address", intent: "Save"));

        Assert.Contains("A published post keeps its address", refused.Text);
        var post = await site.WithDbAsync(db => db.Posts.Where(p => p.Creator!.Handle == handle).OrderBy(p => p.Id).FirstAsync());
        Assert.Equal("hello-world", post.Slug);
        Assert.Equal("Hello World!", post.Title);
        browser.Dispose();
    }

    [Fact]
    public async Task Unpublish_HidesPostFromReaders()
    {
        var (browser, handle) = await CreatorAsync();
        var created = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Short lived", intent: "Publish"));
        using var visitor = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync($"/{handle}/posts/short-lived")).Status);

        await browser.SubmitAsync(created.Location!, created.Location! + "/unpublish", []);

        Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync($"/{handle}/posts/short-lived")).Status);
        Assert.DoesNotContain("Short lived", (await visitor.GetAsync($"/{handle}")).Html);
        Assert.DoesNotContain("Short lived", (await visitor.GetAsync($"/{handle}/rss")).Html);
        browser.Dispose();
    }

    [Fact]
    public async Task PostPage_Description_IsTheExcerpt_ElseTheTeasersFirst300Characters()
    {
        var (browser, handle) = await CreatorAsync();
        // A teaser (above the cut) of 80 words, over 300 characters.
        var words = string.Join(' ', Enumerable.Range(1, 80).Select(i => $"word{i}"));
        var body = $"{words}\n\n{Membership.Web.Domain.PostRenderer.Cut}\n\nFor members.";
        await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "No excerpt", intent: "Publish", body: body));
        var withExcerpt = Fields(title: "With excerpt", intent: "Publish", body: body);
        withExcerpt.Add(new("Form.Excerpt", "The excerpt itself"));
        await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", withExcerpt);

        using var visitor = site.CreateBrowser();
        var shortened = words[..300].TrimEnd() + "…";
        Assert.Contains($"<meta name=\"description\" content=\"{shortened}\">", WebUtility.HtmlDecode((await visitor.GetAsync($"/{handle}/posts/no-excerpt")).Html));
        Assert.Contains("<meta name=\"description\" content=\"The excerpt itself\">", WebUtility.HtmlDecode((await visitor.GetAsync($"/{handle}/posts/with-excerpt")).Html));
        browser.Dispose();
    }

    [Fact]
    public async Task ScriptInMarkdown_IsNeutralisedOnThePage()
    {
        var (browser, handle) = await CreatorAsync();
        await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(
            title: "Tricky",
            intent: "Publish",
            body: "Hi <script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) <svg onload=alert(1)></svg>"));

        var page = await site.CreateBrowser().GetAsync($"/{handle}/posts/tricky");

        var body = page.Html[page.Html.IndexOf("data-test=\"post-body\"", StringComparison.Ordinal)..];
        Assert.DoesNotContain("<script>alert", body);
        Assert.DoesNotContain("onerror", body);
        Assert.DoesNotContain("javascript:", body);
        Assert.DoesNotContain("<svg", body);
        browser.Dispose();
    }

    [Fact]
    public async Task AnotherCreatorsPost_Is404InTheEditor()
    {
        var (owner, _) = await CreatorAsync();
        var created = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Mine only"));
        var (attacker, _) = await CreatorAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync(created.Location!)).Status);
        var edit = await attacker.SubmitAsync("/creator/posts/new", created.Location!, Fields(title: "Hijacked"));
        Assert.Equal(HttpStatusCode.NotFound, edit.Status);
        var unpublish = await attacker.SubmitAsync("/creator/posts/new", created.Location! + "/delete", []);
        Assert.Equal(HttpStatusCode.NotFound, unpublish.Status);
        var id = int.Parse(created.Location!.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Mine only", await site.WithDbAsync(db => db.Posts.Where(p => p.Id == id).Select(p => p.Title).SingleAsync()));
        owner.Dispose();
        attacker.Dispose();
    }

    [Fact]
    public async Task Preview_RendersSanitisedHtml_AndNeedsAntiforgery()
    {
        var (browser, _) = await CreatorAsync();

        var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/preview",
            [new("body", "# Title\n\nText <script>alert(1)</script>\n\n<!--members-only-->\n\nMore")]);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Title</h1>", page.Html);
        Assert.Contains("paywall-cut", page.Html);
        Assert.DoesNotContain("<script", page.Html);
        var forged = await browser.PostAsync("/creator/posts/preview", [new("body", "x")]);
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        browser.Dispose();
    }

    /// <summary>Nested lists and quotes far past Markdig's 128 levels: a few characters a level, refused before parsing.</summary>
    public static TheoryData<string, string> DeepPosts => new()
    {
        { "a 2,000-level list", string.Concat(Enumerable.Repeat("- ", 2000)) + "deep" },
        { "a 400-level list, one item a line", string.Concat(Enumerable.Range(0, 400).Select(i => new string(' ', 2 * i) + "- item\n")) },
        { "a 400-level list of empty items, lines ended by CR", string.Concat(Enumerable.Range(0, 400).Select(i => new string(' ', 2 * i) + "-\r")) },
        { "a 200-level quote", new string('>', 200) + " deep" },
        { "100 quotes and 100 lists inside one another", string.Concat(Enumerable.Repeat("> - ", 100)) + "deep" },
        { "2,000 nested <div> tags", string.Concat(Enumerable.Repeat("<div>", 2000)) + "deep" },
    };

    [Theory]
    [MemberData(nameof(DeepPosts))]
    public async Task Save_NestedDeeperThan128Levels_ShowsMessageFastAndSavesNothing(string what, string body)
    {
        var (browser, handle) = await CreatorAsync();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: what, body: body, intent: "Publish"));
        watch.Stop();

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("nested more than 128 levels deep", page.Text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{what} took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, await site.WithDbAsync(db => db.Posts.CountAsync(p => p.Creator!.Handle == handle)));
        browser.Dispose();
    }

    [Theory]
    [MemberData(nameof(DeepPosts))]
    public async Task Preview_NestedDeeperThan128Levels_Is400WithTheReasonFast(string what, string body)
    {
        var (browser, _) = await CreatorAsync();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/preview", [new("body", body)]);
        watch.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("nested more than 128 levels deep", page.Text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{what} took {watch.Elapsed.TotalSeconds:F1} s");
        browser.Dispose();
    }

    [Fact]
    public async Task Preview_2000LevelListOneItemALine_Is400TooLongFast()
    {
        // 4 MB of indentation: Markdig alone spends many seconds on it before its own limit fails it.
        var (browser, _) = await CreatorAsync();
        var body = string.Concat(Enumerable.Range(0, 2000).Select(i => new string(' ', 2 * i) + "- item\n"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/preview", [new("body", body)]);
        watch.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("The post is too long (200,000 characters at most).", page.Text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed.TotalSeconds:F1} s");
        browser.Dispose();
    }

    [Fact]
    public async Task Save_NestedJustUnder128Levels_IsSaved()
    {
        var (browser, handle) = await CreatorAsync();
        var lists = string.Concat(Enumerable.Range(0, 63).Select(i => new string(' ', 2 * i) + "- item\n"));
        var quote = new string('>', 127) + " deep";

        var page = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Deep but fine", body: lists + "\n" + quote));

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        var html = await site.WithDbAsync(db => db.Posts.Where(p => p.Creator!.Handle == handle).Select(p => p.MembersHtml).SingleAsync());
        Assert.Equal(63, html.Split("<ul>").Length - 1);
        Assert.Equal(127, html.Split("<blockquote>").Length - 1);
        browser.Dispose();
    }

    [Fact]
    public async Task Upload_WrongTypeOrNonImageCover_IsRefusedAndNothingStored()
    {
        var (browser, _) = await CreatorAsync();
        var created = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "With files"));
        var edit = created.Location!;
        var id = int.Parse(edit.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);

        await browser.UploadAsync(edit, edit + "/attachments", "notes.mp3", "just some text pretending"u8.ToArray());
        Assert.Contains("That file type is not accepted.", (await browser.GetAsync(edit)).Text);
        await browser.UploadAsync(edit, edit + "/attachments", "doc.pdf", "%PDF-1.4 tiny"u8.ToArray(), new Dictionary<string, string> { ["cover"] = "true" });
        Assert.Contains("A cover must be an image", (await browser.GetAsync(edit)).Text);

        Assert.Equal(0, await site.WithDbAsync(db => db.Attachments.CountAsync(a => a.PostId == id)));
        Assert.False(Directory.Exists(Path.Combine(site.DataDirectory, "uploads", "posts", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52 };
        await browser.UploadAsync(edit, edit + "/attachments", "../../evil name.txt", png, new Dictionary<string, string> { ["cover"] = "true" });
        var stored = await site.WithDbAsync(db => db.Attachments.SingleAsync(a => a.PostId == id));
        Assert.Equal("image/png", stored.ContentType);
        Assert.Equal("evil-name.png", stored.FileName);
        Assert.True(stored.IsCover);
        browser.Dispose();
    }

    [Fact]
    public async Task InsertUpload_AnswersTheFilesLinkAsJson_AndADraftsNewAddressMovesItsFileLinks()
    {
        var (browser, handle) = await CreatorAsync();
        var created = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", Fields(title: "Pictures", access: "Members"));
        var edit = created.Location!;
        var id = int.Parse(edit.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52 };

        async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Json)> InsertAsync(string name, byte[] content)
        {
            var token = System.Text.RegularExpressions.Regex.Match((await browser.GetAsync(edit)).Html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
            Assert.True(token.Success);
            using var request = new HttpRequestMessage(HttpMethod.Post, edit + "/attachments")
            {
                Content = new MultipartFormDataContent { { new ByteArrayContent(content), "file", name } },
            };
            request.Headers.Add("RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value));
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await browser.Client.SendAsync(request);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return (response.StatusCode, System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var refused = await InsertAsync("notes.mp3", "not audio at all"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.StartsWith("That file type is not accepted.", refused.Json.GetProperty("error").GetString());
        Assert.Equal(0, await site.WithDbAsync(db => db.Attachments.CountAsync(a => a.PostId == id)));

        var (status, json) = await InsertAsync("the cat.png", png);
        Assert.Equal(HttpStatusCode.OK, status);
        var fileId = await site.WithDbAsync(db => db.Attachments.Where(a => a.PostId == id).Select(a => a.Id).SingleAsync());
        Assert.Equal($"/{handle}/posts/pictures/files/{fileId}", json.GetProperty("url").GetString());
        Assert.True(json.GetProperty("isImage").GetBoolean());
        Assert.Equal("the-cat.png", json.GetProperty("fileName").GetString());

        // The draft is given another address: the image it shows moves with it.
        var saved = await browser.SubmitAsync(edit, edit, Fields(title: "Pictures", access: "Members", slug: "cat-pictures",
            body: $"Look:\n\n![A cat asleep](/{handle}/posts/pictures/files/{fileId})\n\nand [elsewhere](/{handle}/posts/pictures-two/files/{fileId})"));
        Assert.Equal(HttpStatusCode.Redirect, saved.Status);
        var body = await site.WithDbAsync(db => db.Posts.Where(p => p.Id == id).Select(p => p.BodyMarkdown).SingleAsync());
        Assert.Contains($"![A cat asleep](/{handle}/posts/cat-pictures/files/{fileId})", body);
        Assert.Contains($"/{handle}/posts/pictures-two/files/{fileId}", body); // another post's address is left alone
        using var image = await browser.Client.GetAsync($"/{handle}/posts/cat-pictures/files/{fileId}");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        browser.Dispose();
    }
}

public sealed class UploadLimitTests
{
    private sealed class SmallUploadsSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Uploads:MaxFileBytes"] = "1024" };
    }

    [Fact]
    public async Task Upload_OverTheLimit_SaysSoAndStoresNothing()
    {
        await using var site = new SmallUploadsSite();
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        await browser.CreateCreatorPageAsync(Unique.Handle());
        var created = await browser.SubmitAsync("/creator/posts/new", "/creator/posts/new",
            [new("Form.Title", "Big"), new("Form.Access", "Public"), new("Form.Intent", "Save")]);
        var audio = new byte[4096];
        "ID3"u8.CopyTo(audio);

        await browser.UploadAsync(created.Location!, created.Location! + "/attachments", "long.mp3", audio);

        Assert.Contains("the limit is 0 MB", (await browser.GetAsync(created.Location!)).Text);
        Assert.Equal(0, await site.WithDbAsync(db => db.Attachments.CountAsync()));
    }
}
