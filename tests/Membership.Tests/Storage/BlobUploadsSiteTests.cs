using System.Net;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Storage;

/// <summary>
/// Uploads kept in Azure Blob Storage (Azurite) through the real site: a file uploaded on one node
/// is served, whole and by range, by a second node on the same database that has no copy of its
/// own, and still only to members entitled to the post.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobUploadsSiteTests(AzuriteServer azurite)
{
    [Fact]
    public async Task Attachment_OnAzureBlob_ServedWholeAndByRangeByBothNodesOnlyToEntitledMembers()
    {
        var containerName = AzuriteServer.NewContainerName("site");
        var settings = new Dictionary<string, string?>
        {
            ["Uploads:Storage"] = "AzureBlob",
            ["Uploads:AzureBlob:ConnectionString"] = azurite.ConnectionString,
            ["Uploads:AzureBlob:Container"] = containerName,
        };
        await using var first = new MembershipFactory { ExtraSettings = settings };
        var secondDataDirectory = Directory.CreateTempSubdirectory("membership-test-node2-").FullName;
        try
        {
            await using var second = new MembershipFactory(first.Database, secondDataDirectory) { ExtraSettings = settings };

            // A creator on node 1 posts a Gold-only episode with a 3 MB audio file.
            using var owner = first.CreateBrowser();
            await owner.RegisterAsync(Unique.Email("owner"));
            var handle = Unique.Handle("blob");
            await owner.CreateCreatorPageAsync(handle);
            await owner.CreateTierAsync(TestBrowser.TierFields("Gold", "20.00"));
            var gold = await first.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id).SingleAsync());
            var created = await owner.SubmitAsync("/creator/posts/new", "/creator/posts/new",
            [
                new("Form.Title", "Episode one"), new("Form.Slug", "episode-one"), new("Form.Body", "Listen below."),
                new("Form.Access", "Tiers"), new("Form.TierIds", gold.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Form.Intent", "Publish"),
            ]);
            Assert.Equal(HttpStatusCode.Redirect, created.Status);
            var audio = new byte[3 * 1024 * 1024 + 321];
            Random.Shared.NextBytes(audio);
            "ID3\u0003"u8.CopyTo(audio);
            var upload = await owner.UploadAsync(created.Location!, created.Location! + "/attachments", "episode one.mp3", audio);
            Assert.Equal(HttpStatusCode.Redirect, upload.Status);
            var attachment = await first.WithDbAsync(db => db.Attachments.SingleAsync(a => a.Post!.Creator!.Handle == handle));

            // The file is in the blob container, not in either node's data folder.
            var container = new BlobContainerClient(azurite.ConnectionString, containerName);
            Assert.True(await container.GetBlobClient(attachment.StorageKey).ExistsAsync());
            Assert.False(Directory.Exists(Path.Combine(first.DataDirectory, "uploads")));
            Assert.False(Directory.Exists(Path.Combine(secondDataDirectory, "uploads")));

            var url = $"/{handle}/posts/episode-one/files/{attachment.Id}";
            var memberEmail = Unique.Email("gold");
            using (var member = first.CreateBrowser())
            {
                await member.RegisterAsync(memberEmail);
            }

            await first.SetAsync(memberEmail, handle, MemberStatus.Active, gold);
            foreach (var (node, name) in new[] { (first, "node 1"), (second, "node 2") })
            {
                using var member = node.CreateBrowser();
                Assert.Equal(HttpStatusCode.Redirect, (await member.SignInAsync(memberEmail)).Status);

                var whole = await member.Client.GetAsync(url);
                Assert.True(whole.StatusCode == HttpStatusCode.OK, $"{name}: whole file answered {(int)whole.StatusCode}");
                Assert.Equal("audio/mpeg", whole.Content.Headers.ContentType?.MediaType);
                Assert.Equal(audio, await whole.Content.ReadAsByteArrayAsync());

                await AssertRangeAsync(member.Client, url, audio, from: 2_000_000, to: 2_000_999, name);
                await AssertRangeAsync(member.Client, url, audio, from: audio.Length - 4096, to: null, name);

                // Not entitled: a signed-in follower and an anonymous visitor get nothing of the file.
                using var anonymous = node.CreateBrowser();
                var refused = await anonymous.Client.GetAsync(url);
                Assert.True(refused.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{name}: anonymous got {(int)refused.StatusCode}");
                Assert.False(Leaks(await refused.Content.ReadAsByteArrayAsync(), audio), $"{name}: anonymous got the file's bytes");
            }

            var followerEmail = Unique.Email("follower");
            using var follower = second.CreateBrowser();
            await follower.RegisterAsync(followerEmail);
            await second.SetAsync(followerEmail, handle, MemberStatus.Following, null);
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Range = new RangeHeaderValue(0, 99);
            var followerAnswer = await follower.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, followerAnswer.StatusCode);
            Assert.False(Leaks(await followerAnswer.Content.ReadAsByteArrayAsync(), audio), "a follower got the file's bytes");

            // Removing the file on node 2 removes the blob: node 1 no longer has it either.
            var edit = created.Location!;
            using var ownerOnSecond = second.CreateBrowser();
            await ownerOnSecond.SignInAsync(await first.WithDbAsync(db => db.Creators.Where(c => c.Handle == handle).Select(c => c.User!.Email!).SingleAsync()));
            var removed = await ownerOnSecond.SubmitAsync(edit, $"{edit}/attachments/{attachment.Id}/delete", []);
            Assert.Equal(HttpStatusCode.Redirect, removed.Status);
            Assert.False(await container.GetBlobClient(attachment.StorageKey).ExistsAsync());
        }
        finally
        {
            Directory.Delete(secondDataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Ready_OnAzureBlob_UploadsHealthy_DegradedWhenTheContainerTurnsPublic_StillServing()
    {
        var containerName = AzuriteServer.NewContainerName("ready");
        await using var site = new MembershipFactory
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["Uploads:Storage"] = "AzureBlob",
                ["Uploads:AzureBlob:ConnectionString"] = azurite.ConnectionString,
                ["Uploads:AzureBlob:Container"] = containerName,
            },
        };
        using var client = site.CreateClient();

        var (status, uploads) = await ReadyAsync(client);
        Assert.Equal(("Healthy", "Healthy"), (status, uploads.Status));
        Assert.Equal("Blob storage answers.", uploads.Description);

        await new BlobContainerClient(azurite.ConnectionString, containerName).CreateAsync(Azure.Storage.Blobs.Models.PublicAccessType.Blob);
        (status, uploads) = await ReadyAsync(client);
        Assert.Equal(("Degraded", "Degraded"), (status, uploads.Status));
        Assert.Contains("allows public read access", uploads.Description);
        Assert.DoesNotContain("AccountKey", uploads.Description);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    private static async Task<(string Status, (string Status, string Description) Uploads)> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var uploads = body.RootElement.GetProperty("checks").GetProperty("uploads");
        return (body.RootElement.GetProperty("status").GetString()!,
            (uploads.GetProperty("status").GetString()!, uploads.GetProperty("description").GetString()!));
    }

    /// <summary>Whether <paramref name="body"/> holds any of a few 32-byte runs of the (random) file.</summary>
    private static bool Leaks(byte[] body, byte[] file) =>
        new[] { 0, 100_000, file.Length / 2, file.Length - 32 }.Any(offset => body.AsSpan().IndexOf(file.AsSpan(offset, 32)) >= 0);

    private static async Task AssertRangeAsync(HttpClient client, string url, byte[] file, long from, long? to, string node)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(from, to);
        var response = await client.SendAsync(request);

        var last = to ?? file.Length - 1;
        Assert.True(response.StatusCode == HttpStatusCode.PartialContent, $"{node}: bytes={from}-{to} answered {(int)response.StatusCode}");
        Assert.Equal(from, response.Content.Headers.ContentRange?.From);
        Assert.Equal(last, response.Content.Headers.ContentRange?.To);
        Assert.Equal(file.Length, response.Content.Headers.ContentRange?.Length);
        Assert.Equal(file.AsSpan((int)from, (int)(last - from + 1)).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }
}
