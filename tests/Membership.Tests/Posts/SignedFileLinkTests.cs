using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Membership.Data.Entities;
using Membership.Tests.Email;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Posts;

/// <summary>
/// A paid post's images and files where there is no cookie: in each recipient's email (signed,
/// expiring links that still ask the membership when opened) and in private feeds (absolute
/// addresses through the feed's own, audio by range). Through the editor, a real SMTP server
/// and the site's file endpoints.
/// </summary>
public sealed partial class SignedFileLinkTests
{
    /// <summary>A 1×1 PNG.</summary>
    internal static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    internal static readonly byte[] Audio = Encoding.ASCII.GetBytes("ID3\u0003\0\0\0\0\0\0" + string.Concat(Enumerable.Range(0, 400).Select(i => i.ToString("D5", CultureInfo.InvariantCulture))));

    [Fact]
    public async Task EmailedPaidPost_ImageLinkSignedPerRecipient_OpensWithoutCookie_UntilTheMembershipEnds()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var post = await PublishWithFilesAsync(site, scenario, "pictures", "Tiers", "Gold");

        var messages = smtp.Messages();
        Assert.Equal(2, messages.Count); // gold and pastdue-gold
        var links = new Dictionary<string, string>();
        foreach (var message in messages)
        {
            var to = message.To.Mailboxes.Single().Address;
            var name = scenario.Fans.Single(f => f.Value.Equals(to, StringComparison.OrdinalIgnoreCase)).Key;
            var image = ImageSource().Match(message.HtmlBody!);
            Assert.True(image.Success, message.HtmlBody);
            var src = WebUtility.HtmlDecode(image.Groups[1].Value);
            Assert.StartsWith($"http://localhost/{scenario.Handle}/posts/pictures/files/{post.ImageId}?access=", src);
            Assert.Contains(src, message.TextBody);
            Assert.Contains($"/files/{post.AudioId}?access=", message.HtmlBody);
            Assert.DoesNotContain($"/files/{post.ImageId}\"", message.HtmlBody);
            links[name] = src;
        }

        Assert.NotEqual(links["gold"], links["pastdue-gold"]);
        using var noCookie = site.CreateBrowser();
        foreach (var link in links.Values)
        {
            using var opened = await noCookie.Client.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            Assert.Equal(Png, await opened.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/png", opened.Content.Headers.ContentType?.MediaType);
            Assert.True(opened.Headers.CacheControl?.Private, "a paid file must not be kept by shared caches");
            Assert.True(opened.Headers.CacheControl?.NoStore);
            Assert.Equal("no-referrer", opened.Headers.GetValues("Referrer-Policy").Single());
        }

        // The same address without its token is the site's usual file: no cookie, no file.
        using var unsigned = await noCookie.Client.GetAsync(links["gold"][..links["gold"].IndexOf('?')]);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);

        await site.SetAsync(scenario.Fans["gold"], scenario.Handle, MemberStatus.Ended, scenario.Tiers["Gold"]);

        var ended = await noCookie.GetAsync(links["gold"]);
        Assert.Equal(HttpStatusCode.Forbidden, ended.Status);
        Assert.Contains("This file is for members", ended.Text);
        Assert.Contains("no longer includes this post", ended.Text);
        Assert.False(Contains(await ended.Response.Content.ReadAsByteArrayAsync(), Png), "the refusal carried the file");
        Assert.True(ended.Response.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.OK, (await noCookie.Client.GetAsync(links["pastdue-gold"])).StatusCode);

        // A move to a tier the post is not for ends it the same way.
        await site.SetAsync(scenario.Fans["pastdue-gold"], scenario.Handle, MemberStatus.Active, scenario.Tiers["Bronze"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await noCookie.Client.GetAsync(links["pastdue-gold"])).StatusCode);
    }

    [Fact]
    public async Task SignedLink_TamperedSwappedOrExpired_IsRefusedWithItsReason_AndSignedInReaderStillGetsIt()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp, clock);
        var scenario = await new EmailScenario(site).BuildAsync();
        var post = await PublishWithFilesAsync(site, scenario, "episode", "Paid");
        var html = smtp.Messages().Single(m => m.To.Mailboxes.Single().Address.Equals(scenario.Fans["gold"], StringComparison.OrdinalIgnoreCase)).HtmlBody!;
        var link = WebUtility.HtmlDecode(ImageSource().Match(html).Groups[1].Value);
        var token = link[(link.IndexOf("?access=", StringComparison.Ordinal) + "?access=".Length)..];
        using var noCookie = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await noCookie.Client.GetAsync(link)).StatusCode);

        var middle = token.Length / 2;
        var tampered = link.Replace(token, token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..], StringComparison.Ordinal);
        var swapped = link.Replace($"/files/{post.ImageId}?", $"/files/{post.AudioId}?", StringComparison.Ordinal);
        var cut = link[..^10];
        foreach (var (name, address) in new[] { ("tampered", tampered), ("swapped to another file", swapped), ("cut short", cut), ("empty", link[..(link.IndexOf('=') + 1)]) })
        {
            var refused = await noCookie.GetAsync(address);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{name}: {(int)refused.Status}");
            Assert.Contains("This link is not valid", refused.Text);
            var body = await refused.Response.Content.ReadAsByteArrayAsync();
            Assert.False(Contains(body, Png) || Contains(body, Audio[..200]), $"{name}: the refusal carried a file");
        }

        clock.Advance(TimeSpan.FromDays(30).Add(TimeSpan.FromMinutes(1)));
        var expired = await noCookie.GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, expired.Status);
        Assert.Contains("This link has expired", expired.Text);
        Assert.Contains($"href=\"/{scenario.Handle}/posts/episode\"", expired.Html);

        // Opened in a browser signed in as someone who may read the post, an expired link still gives the file.
        using var reader = site.CreateBrowser();
        var readerEmail = Unique.Email("reader");
        await site.CreateConfirmedAsync(readerEmail);
        Assert.Equal(HttpStatusCode.Redirect, (await reader.SignInAsync(readerEmail)).Status);
        await site.SetAsync(readerEmail, scenario.Handle, MemberStatus.Active, scenario.Tiers["Bronze"]);
        using var signedIn = await reader.Client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(Png, await signedIn.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task EmailedPublicPost_KeepsPlainFileLinks()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var post = await PublishWithFilesAsync(site, scenario, "open-studio", "Public");

        var message = smtp.Messages().First();
        Assert.Contains($"src=\"http://localhost/{scenario.Handle}/posts/open-studio/files/{post.ImageId}\"", message.HtmlBody);
        Assert.DoesNotContain("?access=", message.HtmlBody + message.TextBody);
        using var noCookie = site.CreateBrowser();
        Assert.Equal(Png, await noCookie.Client.GetByteArrayAsync($"/{scenario.Handle}/posts/open-studio/files/{post.ImageId}"));
    }

    [Fact]
    public async Task PrivateFeed_ItemsHaveAbsoluteLinks_ImageAndAudioOpenWithoutCookie_AudioByRange()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var post = await PublishWithFilesAsync(site, scenario, "show", "Tiers", "Gold");
        var feedToken = "feed" + Guid.NewGuid().ToString("N");
        await site.WithDbAsync(db => db.Members.Where(m => m.User!.Email == scenario.Fans["gold"]).ExecuteUpdateAsync(s => s.SetProperty(m => m.FeedToken, feedToken)));
        using var noCookie = site.CreateBrowser();

        var xml = await noCookie.Client.GetStringAsync($"/feeds/{feedToken}");

        var item = Assert.Single(XDocument.Parse(xml).Descendants("item"), i => i.Element("title")!.Value == "Title show");
        Assert.Equal($"http://localhost/{scenario.Handle}/posts/show", item.Element("link")!.Value);
        var description = item.Element("description")!.Value;
        Assert.Contains($"src=\"http://localhost/feeds/{feedToken}/files/{post.ImageId}\"", description);
        Assert.Contains($"href=\"http://localhost/{scenario.Handle}/posts/older\"", description);
        Assert.DoesNotMatch("(src|href)=\"/", description);
        var enclosure = item.Element("enclosure")!;
        Assert.Equal($"http://localhost/feeds/{feedToken}/files/{post.AudioId}", enclosure.Attribute("url")!.Value);
        Assert.Equal(Audio.Length.ToString(CultureInfo.InvariantCulture), enclosure.Attribute("length")!.Value);
        Assert.Equal("audio/mpeg", enclosure.Attribute("type")!.Value);

        Assert.Equal(Png, await noCookie.Client.GetByteArrayAsync($"http://localhost/feeds/{feedToken}/files/{post.ImageId}"));
        await AssertRangeAsync(noCookie.Client, enclosure.Attribute("url")!.Value, 100, 1099);
        await AssertRangeAsync(noCookie.Client, enclosure.Attribute("url")!.Value, Audio.Length - 50, null);
        // A cookie on the post's file address (its creator's): the same ranges.
        await AssertRangeAsync(scenario.Creator.Client, $"/{scenario.Handle}/posts/show/files/{post.AudioId}", 0, 9);

        // The public feed: teasers only, with absolute addresses too.
        var publicXml = await noCookie.Client.GetStringAsync($"/{scenario.Handle}/rss");
        var teaser = Assert.Single(XDocument.Parse(publicXml).Descendants("item"), i => i.Element("title")!.Value == "Title show").Element("description")!.Value;
        Assert.DoesNotContain("/files/", teaser);
        Assert.DoesNotMatch("(src|href)=\"/", teaser);

        await site.SetAsync(scenario.Fans["gold"], scenario.Handle, MemberStatus.Ended, scenario.Tiers["Gold"]);
        var range = new HttpRequestMessage(HttpMethod.Get, enclosure.Attribute("url")!.Value);
        range.Headers.Range = new RangeHeaderValue(0, 99);
        using var lapsed = await noCookie.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.Forbidden, lapsed.StatusCode);
        Assert.False(Contains(await lapsed.Content.ReadAsByteArrayAsync(), Audio[..100]));
    }

    internal static async Task AssertRangeAsync(HttpClient client, string url, long from, long? to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(from, to);
        using var answer = await client.SendAsync(request);
        var last = to ?? Audio.Length - 1;
        Assert.Equal(HttpStatusCode.PartialContent, answer.StatusCode);
        Assert.Equal("bytes", answer.Headers.AcceptRanges.Single());
        Assert.Equal($"bytes {from}-{last}/{Audio.Length}", answer.Content.Headers.ContentRange?.ToString());
        Assert.Equal(Audio[(int)from..((int)last + 1)], await answer.Content.ReadAsByteArrayAsync());
    }

    internal sealed record PostFiles(int ImageId, int AudioId);

    /// <summary>A draft with an image and an audio file, the image shown in the body below the cut, then published with "also send by email" and sent.</summary>
    internal static async Task<PostFiles> PublishWithFilesAsync(MembershipFactory site, EmailScenario scenario, string slug, string access, params string[] tiers)
    {
        var tierFields = tiers.Select(t => new KeyValuePair<string, string>("Form.TierIds", scenario.Tiers[t].ToString(CultureInfo.InvariantCulture))).ToList();
        var created = await scenario.Creator.SubmitAsync("/creator/posts/new", "/creator/posts/new",
            [new("Form.Title", "Title " + slug), new("Form.Slug", slug), new("Form.Access", access), new("Form.Intent", "Save"), new("Form.Body", "Draft"), .. tierFields]);
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        var edit = created.Location!;
        Assert.Equal(HttpStatusCode.Redirect, (await scenario.Creator.UploadAsync(edit, edit + "/attachments", "cat.png", Png)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await scenario.Creator.UploadAsync(edit, edit + "/attachments", "episode.mp3", Audio)).Status);
        var postId = int.Parse(edit[(edit.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
        var ids = await site.WithDbAsync(db => db.Attachments.Where(a => a.PostId == postId).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync());
        var files = new PostFiles(ids[0], ids[1]);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Form.Title", "Title " + slug),
            new("Form.Slug", slug),
            new("Form.Body", $"Teaser, see [the last one](/{scenario.Handle}/posts/older).\n\n<!--members-only-->\n\n![A cat asleep](/{scenario.Handle}/posts/{slug}/files/{files.ImageId})\n\nListen: [the episode](/{scenario.Handle}/posts/{slug}/files/{files.AudioId})"),
            new("Form.Access", access),
            new("Form.Intent", "Publish"),
            new("Form.EmailOnPublish", "true"),
        };
        fields.AddRange(tierFields);
        Assert.Equal(HttpStatusCode.Redirect, (await scenario.Creator.SubmitAsync(edit, edit, fields)).Status);
        await scenario.SendAsync(await scenario.DeliveryIdAsync(postId));
        return files;
    }

    internal static bool Contains(byte[] body, byte[] file) => body.AsSpan().IndexOf(file) >= 0;

    [GeneratedRegex("<img[^>]*\\bsrc=\"([^\"]+)\"")]
    internal static partial Regex ImageSource();
}

/// <summary>The same links when the files are Azure blobs (Azurite): the signed email image whole, the feed's audio by range.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SignedFileLinkBlobTests(AzuriteServer azurite)
{
    [Fact]
    public async Task OnAzureBlob_SignedEmailImageWithoutCookie_FeedAudioByRange_RefusedOnceEnded()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        var settings = EmailScenario.SmtpSettings(smtp);
        settings["Uploads:Storage"] = "AzureBlob";
        settings["Uploads:AzureBlob:ConnectionString"] = azurite.ConnectionString;
        settings["Uploads:AzureBlob:Container"] = AzuriteServer.NewContainerName("signed");
        await using var site = new MembershipFactory { ExtraSettings = settings };
        var scenario = await new EmailScenario(site).BuildAsync();
        var post = await SignedFileLinkTests.PublishWithFilesAsync(site, scenario, "blob-show", "Paid");
        var html = smtp.Messages().Single(m => m.To.Mailboxes.Single().Address.Equals(scenario.Fans["gold"], StringComparison.OrdinalIgnoreCase)).HtmlBody!;
        var link = WebUtility.HtmlDecode(SignedFileLinkTests.ImageSource().Match(html).Groups[1].Value);
        Assert.Contains("?access=", link);
        using var noCookie = site.CreateBrowser();
        Assert.Equal(SignedFileLinkTests.Png, await noCookie.Client.GetByteArrayAsync(link));

        var feedToken = "feed" + Guid.NewGuid().ToString("N");
        await site.WithDbAsync(db => db.Members.Where(m => m.User!.Email == scenario.Fans["gold"]).ExecuteUpdateAsync(s => s.SetProperty(m => m.FeedToken, feedToken)));
        var audioUrl = $"http://localhost/feeds/{feedToken}/files/{post.AudioId}";
        Assert.Contains($"url=\"{audioUrl}\"", await noCookie.Client.GetStringAsync($"/feeds/{feedToken}"));
        await SignedFileLinkTests.AssertRangeAsync(noCookie.Client, audioUrl, 1000, 1999);
        // The post's usual address with no token and no cookie: no range of it either.
        using var unsigned = new HttpRequestMessage(HttpMethod.Get, $"/{scenario.Handle}/posts/blob-show/files/{post.AudioId}");
        unsigned.Headers.Range = new RangeHeaderValue(0, 99);
        using var refused = await noCookie.Client.SendAsync(unsigned);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        await site.SetAsync(scenario.Fans["gold"], scenario.Handle, MemberStatus.Ended, scenario.Tiers["Gold"]);
        using var ended = await noCookie.Client.GetAsync(link);
        Assert.Equal(HttpStatusCode.Forbidden, ended.StatusCode);
        Assert.False(SignedFileLinkTests.Contains(await ended.Content.ReadAsByteArrayAsync(), SignedFileLinkTests.Png));
    }
}
