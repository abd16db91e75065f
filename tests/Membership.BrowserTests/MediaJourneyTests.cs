using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Playwright;
using MimeKit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>
/// A paid post's image and audio where the site's cookie is not: the post email opened from its
/// .eml in a browser that never signed in (the image loads; once the membership has ended it no
/// longer does, and its link says why), and the private feed's image and audio enclosure fetched
/// as a feed reader or podcast app would, the audio by range.
/// </summary>
public sealed class MediaJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    private const string Headline = "[data-test=membership-headline]";
    private const string AltText = "The harbour lights at night";

    private const int ImageWidth = 320;

    /// <summary>A 320×120 PNG (a night sky over a lit harbour wall), big enough to see in the screenshots.</summary>
    private static readonly byte[] Png = HarbourPng(ImageWidth, 120);

    [Fact]
    public Task Media_EmailedImageOpensWithoutCookieUntilTheMembershipEnds_FeedImageAndAudioByRange() => RunAsync(async session =>
    {
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(handle, "Harbour Nights");
        await creatorPage.AddTierAsync(new TierInput("Supporter", "5.00"));
        await creatorPage.ConnectPayoutsAsync(Site);

        var fan = Person.New("fan");
        var fanPage = await session.NewPageAsync("fan");
        await fanPage.SignUpAndConfirmAsync(Site, fan);
        await fanPage.SignInAsync(fan);
        await fanPage.JoinTierAsync(Site, handle, "Supporter");

        // A paid post with an audio file and an image inserted in its members' part, sent by email.
        var title = $"Night sketch {Guid.NewGuid():N}"[..21];
        await creatorPage.GotoAsync("/creator/posts/new");
        await creatorPage.Locator("[name='Form.Title']").FillAsync(title);
        await creatorPage.Locator("textarea[name='Form.Body']").FillAsync("Tonight, for the members.\n\n<!--members-only-->\n\nThe lights came on at nine.\n\n");
        await creatorPage.GetByLabel("Paying members of any tier").CheckAsync();
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(creatorPage.GetByRole(AriaRole.Status)).ToHaveTextAsync($"\"{title}\" is saved.");
        var audio = SmallMp3();
        var folder = Path.Combine(Path.GetTempPath(), $"membership-bt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "harbour-night.mp3"), audio);
            await File.WriteAllBytesAsync(Path.Combine(folder, "harbour-lights.png"), Png);
            await creatorPage.Locator("input[type=file][name=file]").SetInputFilesAsync(Path.Combine(folder, "harbour-night.mp3"));
            await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
            await Expect(creatorPage.GetByRole(AriaRole.Status)).ToHaveTextAsync("harbour-night.mp3 is attached.");

            var body = creatorPage.Locator("textarea[name='Form.Body']");
            await body.EvaluateAsync("b => { b.focus(); b.setSelectionRange(b.value.length, b.value.length); }");
            var chooser = await creatorPage.RunAndWaitForFileChooserAsync(() => creatorPage.Locator("[data-test=insert-file]").ClickAsync());
            await chooser.SetFilesAsync(Path.Combine(folder, "harbour-lights.png"));
            // The browser reads the file when it sends it: the file stays until the upload has answered.
            await Expect(creatorPage.Locator("#insert-file-status")).ToHaveTextAsync("harbour-lights.png is attached.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var dialog = creatorPage.Locator("#alt-text-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await creatorPage.Locator("#alt-text-input").FillAsync(AltText);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Insert image" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await creatorPage.GetByLabel("Also send by email to the members who can read it, when it is published").CheckAsync();
        await creatorPage.GetByRole(AriaRole.Button, new() { Name = "Publish now" }).ClickAsync();
        await Expect(creatorPage.GetByRole(AriaRole.Status)).ToContainTextAsync("published");

        // The .eml as the fan's mail program has it, opened where the site's cookie never was.
        var email = await Site.WaitForEmailAsync(fan.Email, title, TimeSpan.FromSeconds(30));
        string html;
        using (var message = MimeMessage.Load(email.File))
        {
            html = message.HtmlBody ?? throw new InvalidOperationException("The post email has no HTML part.");
        }

        var imageTag = Assert.Single(Regex.Matches(html, "<img[^>]*>").Select(m => m.Value), tag => tag.Contains($"alt=\"{AltText}\"", StringComparison.Ordinal));
        var src = System.Net.WebUtility.HtmlDecode(Regex.Match(imageTag, "src=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith($"{Site.BaseUrl}/{handle}/posts/", src);
        Assert.Contains("?access=", src);
        var mailReader = await session.NewPageAsync("mail-reader");
        Assert.Empty(await mailReader.Context.CookiesAsync());
        await mailReader.SetContentAsync(html, new() { WaitUntil = WaitUntilState.Load });
        var image = mailReader.Locator($"img[alt='{AltText}']");
        await Expect(image).ToHaveJSPropertyAsync("naturalWidth", ImageWidth);
        await Site.ScreenshotAsync(mailReader, "post-email-signed-image");

        // The private feed, read by an app with no cookie: absolute addresses, the image and the audio (by range).
        await fanPage.GotoAsync($"/{handle}");
        await fanPage.Locator("details.private-feed summary").ClickAsync();
        await fanPage.GetByRole(AriaRole.Button, new() { Name = "Create my private feed address" }).ClickAsync();
        await fanPage.Locator("details.private-feed summary").ClickAsync();
        var feedUrl = await fanPage.Locator("[data-test=private-feed-url]").InputValueAsync();
        var feedApp = await session.NewPageAsync("feed-app");
        var feed = await feedApp.Context.APIRequest.GetAsync(feedUrl);
        Assert.Equal(200, feed.Status);
        var item = Assert.Single(XDocument.Parse(await feed.TextAsync()).Descendants("item"), i => i.Element("title")?.Value == title);
        var description = item.Element("description")!.Value;
        Assert.DoesNotMatch("(src|href)=\"/", description);
        var feedImage = System.Net.WebUtility.HtmlDecode(Regex.Match(description, "<img[^>]*src=\"([^\"]+)\"").Groups[1].Value);
        Assert.StartsWith($"{Site.BaseUrl}/feeds/", feedImage);
        var enclosure = item.Element("enclosure")!;
        var audioUrl = enclosure.Attribute("url")!.Value;
        Assert.StartsWith($"{Site.BaseUrl}/feeds/", audioUrl);
        Assert.Equal(audio.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), enclosure.Attribute("length")!.Value);
        Assert.Equal("audio/mpeg", enclosure.Attribute("type")!.Value);
        await feedApp.SetContentAsync($"<img alt=\"from the feed\" src=\"{System.Net.WebUtility.HtmlEncode(feedImage)}\">", new() { WaitUntil = WaitUntilState.Load });
        await Expect(feedApp.Locator("img")).ToHaveJSPropertyAsync("naturalWidth", ImageWidth);
        var part = await feedApp.Context.APIRequest.GetAsync(audioUrl, new() { Headers = new Dictionary<string, string> { ["Range"] = "bytes=100-1099" } });
        Assert.Equal(206, part.Status);
        Assert.Equal($"bytes 100-1099/{audio.Length}", part.Headers["content-range"]);
        Assert.Equal("bytes", part.Headers["accept-ranges"]);
        Assert.Equal(audio[100..1100], await part.BodyAsync());

        // The fan cancels and the period ends (the operator moves Stripe's clock past it).
        await fanPage.CancelInPortalAsync(Site);
        await fanPage.ReloadUntilAsync("/account/memberships", Headline, "is cancelled");
        var operatorPage = await session.OperatorAsync(Site);
        await operatorPage.AdvanceSimulatedClockAsync("advance-month");
        await operatorPage.AdvanceSimulatedClockAsync("advance-day");
        await fanPage.ReloadUntilAsync("/account/memberships", Headline, "ended on");

        // The same email no longer shows the image; its link says why, and never gives the file.
        var laterReader = await session.NewPageAsync("mail-reader-later");
        await laterReader.SetContentAsync(html, new() { WaitUntil = WaitUntilState.Load });
        var laterImage = laterReader.Locator($"img[alt='{AltText}']");
        await laterImage.EvaluateAsync("i => i.complete || new Promise(done => { i.onload = i.onerror = done; })");
        Assert.Equal(0, await laterImage.EvaluateAsync<int>("i => i.naturalWidth"));
        var refused = await laterReader.GotoAsync(src);
        Assert.Equal(403, refused!.Status);
        await Expect(laterReader.GetByRole(AriaRole.Heading, new() { Name = "This file is for members" })).ToBeVisibleAsync();
        await Expect(laterReader.GetByRole(AriaRole.Link, new() { Name = "Open the post on the site" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(laterReader, "file-link-refused");

        var tampered = await laterReader.GotoAsync(src[..^6] + "AAAAAA");
        Assert.Equal(403, tampered!.Status);
        await Expect(laterReader.GetByRole(AriaRole.Heading, new() { Name = "This link is not valid" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(laterReader, "file-link-not-valid");

        var lapsedAudio = await feedApp.Context.APIRequest.GetAsync(audioUrl, new() { Headers = new Dictionary<string, string> { ["Range"] = "bytes=0-99" } });
        Assert.True(lapsedAudio.Status is 403 or 404, $"the ended member's feed audio answered {lapsedAudio.Status}");
        Assert.Equal(403, (await feedApp.Context.APIRequest.GetAsync(feedImage)).Status);
    });

    /// <summary>An RGB PNG of stripes: dark blue sky, a yellow band of lights, grey water.</summary>
    private static byte[] HarbourPng(int width, int height)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0); // no filter
            for (var x = 0; x < width; x++)
            {
                byte[] pixel = y < height / 2 ? [16, 24, 64] : y < (height / 2) + 12 ? ((x / 16) % 2 == 0 ? [250, 204, 21] : [40, 48, 90]) : [70, 80, 100];
                raw.Write(pixel);
            }
        }

        var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(zlib);
        }

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per channel
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] SmallMp3()
    {
        const int frameLength = 417;
        var mp3 = new List<byte>(Encoding.ASCII.GetBytes("ID3")) { 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        for (var i = 0; i < 10; i++)
        {
            mp3.AddRange([0xFF, 0xFB, 0x90, 0x64]);
            mp3.AddRange(Enumerable.Range(0, frameLength - 4).Select(b => (byte)((b * 7) + i)));
        }

        return [.. mp3];
    }
}
