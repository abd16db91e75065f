using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Membership.Tests.Storage;

/// <summary>
/// The <see cref="IFileStorage"/> contract on a real Azure Blob Storage (Azurite): what
/// <see cref="LocalFolderStorage"/> promises, the blob store keeps too. Each test has its own container.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorageTests(AzuriteServer azurite)
{
    private readonly RequestLog _requests = new();

    [Fact]
    public async Task OpenReadAsync_AfterSave_ReturnsTheSameBytes()
    {
        var (storage, _) = NewStorage();
        var bytes = RandomBytes(10_000);

        await storage.SaveAsync("posts/1/a.png", new MemoryStream(bytes));

        Assert.Equal(bytes, await ReadAllAsync(storage, "posts/1/a.png"));
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ReturnsNull()
    {
        var (storage, _) = NewStorage();

        Assert.Null(await storage.OpenReadAsync("posts/1/never-saved.mp3"));
    }

    [Fact]
    public async Task DeleteAsync_SavedKey_OpenThenReturnsNullAndDeletingAgainIsFine()
    {
        var (storage, _) = NewStorage();
        await storage.SaveAsync("posts/2/gone.pdf", new MemoryStream(RandomBytes(100)));

        await storage.DeleteAsync("posts/2/gone.pdf");

        Assert.Null(await storage.OpenReadAsync("posts/2/gone.pdf"));
        await storage.DeleteAsync("posts/2/gone.pdf");
        await storage.DeleteAsync("posts/2/never-there.pdf");
    }

    [Fact]
    public async Task SaveAsync_ExistingKey_ReplacesTheBytes()
    {
        var (storage, _) = NewStorage();
        await storage.SaveAsync("posts/3/cover.png", new MemoryStream(RandomBytes(5_000)));
        var second = RandomBytes(3_000);

        await storage.SaveAsync("posts/3/cover.png", new MemoryStream(second));

        Assert.Equal(second, await ReadAllAsync(storage, "posts/3/cover.png"));
    }

    [Fact]
    public async Task OpenReadAsync_MultiMegabyteBlob_SeeksAndDownloadsOnlyTheRangesRead()
    {
        var (storage, _) = NewStorage();
        var bytes = RandomBytes(6 * 1024 * 1024 + 123);
        await storage.SaveAsync("posts/4/episode.mp3", new MemoryStream(bytes));
        _requests.Clear();

        await using (var stream = await storage.OpenReadAsync("posts/4/episode.mp3"))
        {
            Assert.NotNull(stream);
            Assert.True(stream.CanSeek);
            Assert.Equal(bytes.Length, stream.Length);
            foreach (var offset in new long[] { 5 * 1024 * 1024, 17, bytes.Length - 50, 3 * 1024 * 1024 + 7 })
            {
                stream.Seek(offset, SeekOrigin.Begin);
                var part = new byte[50];
                await stream.ReadExactlyAsync(part);
                Assert.Equal(bytes.AsSpan((int)offset, 50).ToArray(), part);
            }
        }

        // Four reads of 50 bytes fetch at most four buffers, never the whole 6 MB file.
        var downloaded = _requests.DownloadedBytes;
        Assert.True(downloaded <= 4L * AzureBlobStorage.ReadBufferBytes, $"downloaded {downloaded} bytes for four 50-byte reads");
        Assert.True(downloaded < bytes.Length / 2, $"downloaded {downloaded} of {bytes.Length} bytes");
    }

    [Fact]
    public async Task SaveAsync_ContainerMissing_CreatesItPrivateOnceForManyCalls()
    {
        var (storage, container) = NewStorage();

        for (var i = 0; i < 3; i++)
        {
            await storage.SaveAsync($"posts/5/{i}.png", new MemoryStream(RandomBytes(10)));
            await storage.OpenReadAsync($"posts/5/{i}.png");
            await storage.DeleteAsync($"posts/5/{i}.png");
        }

        Assert.Equal(1, _requests.ContainerCreations);
        var properties = await container.GetPropertiesAsync();
        Assert.Equal(PublicAccessType.None, properties.Value.PublicAccess ?? PublicAccessType.None);
    }

    [Fact]
    public async Task SaveAsync_ContainerAllowsPublicReads_IsRefusedAndStoresNothing()
    {
        var (storage, container) = NewStorage();
        await container.CreateAsync(PublicAccessType.Blob);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.SaveAsync("posts/6/leak.png", new MemoryStream(RandomBytes(10))));

        Assert.Contains("allows public read access", refused.Message);
        Assert.False(await container.GetBlobClient("posts/6/leak.png").ExistsAsync());
    }

    [Fact]
    public async Task ProblemAsync_ServiceAnswers_NoneBeforeAndAfterTheContainerIsMade()
    {
        var (storage, _) = NewStorage();

        Assert.Null(await storage.ProblemAsync());
        await storage.SaveAsync("posts/7/a.png", new MemoryStream(RandomBytes(10)));
        Assert.Null(await storage.ProblemAsync());
    }

    [Fact]
    public async Task ProblemAsync_ContainerAllowsPublicReads_SaysSo()
    {
        var (storage, container) = NewStorage();
        await container.CreateAsync(PublicAccessType.Blob);

        Assert.Contains("allows public read access", await storage.ProblemAsync());
    }

    [Fact]
    public async Task ProblemAsync_NothingListening_SaysItDoesNotAnswerWithoutTheKey()
    {
        var port = FreePort();
        var connectionString = azurite.ConnectionString.Replace($":{azurite.Port}/", $":{port}/", StringComparison.Ordinal);
        var storage = new AzureBlobStorage(new BlobContainerClient(connectionString, AzuriteServer.NewContainerName()), NullLogger<AzureBlobStorage>.Instance);

        var problem = await storage.ProblemAsync();

        Assert.Equal($"Blob storage at http://127.0.0.1:{port} does not answer.", problem);
    }

    [Fact]
    public async Task ProblemAsync_WrongAccountKey_NamesTheRefusal()
    {
        var forged = System.Text.RegularExpressions.Regex.Replace(azurite.ConnectionString, "AccountKey=[^;]+", "AccountKey=" + Convert.ToBase64String(RandomBytes(64)));
        var storage = new AzureBlobStorage(new BlobContainerClient(forged, AzuriteServer.NewContainerName()), NullLogger<AzureBlobStorage>.Instance);

        var problem = await storage.ProblemAsync();

        Assert.NotNull(problem);
        Assert.StartsWith("Blob storage refused the container", problem);
        Assert.Contains("403", problem);
    }

    [Theory]
    [InlineData("../other-container/file.png")]
    [InlineData("posts/../../x.png")]
    [InlineData("/posts/1/x.png")]
    [InlineData("posts\\1\\x.png")]
    [InlineData("")]
    public async Task SaveAsync_KeyThatIsNotAPlainRelativePath_Throws(string key)
    {
        var (storage, container) = NewStorage();

        await Assert.ThrowsAsync<ArgumentException>(() => storage.SaveAsync(key, new MemoryStream(RandomBytes(10))));

        Assert.False(await container.ExistsAsync());
    }

    private (AzureBlobStorage Storage, BlobContainerClient Container) NewStorage()
    {
        var options = new BlobClientOptions();
        options.AddPolicy(_requests, HttpPipelinePosition.PerRetry);
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteServer.NewContainerName(), options);
        return (new AzureBlobStorage(container, NullLogger<AzureBlobStorage>.Instance), container);
    }

    private static async Task<byte[]> ReadAllAsync(IFileStorage storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>What the storage asked the service for: container creations and the bytes of blob downloads.</summary>
    private sealed class RequestLog : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentQueue<(RequestMethod Method, string Query, long Length)> _entries = new();

        public int ContainerCreations => _entries.Count(e => e.Method == RequestMethod.Put && e.Query.Contains("restype=container", StringComparison.Ordinal));

        public long DownloadedBytes => _entries.Where(e => e.Method == RequestMethod.Get && !e.Query.Contains("restype=", StringComparison.Ordinal)).Sum(e => e.Length);

        public void Clear() => _entries.Clear();

        public override void OnReceivedResponse(HttpMessage message)
        {
            var length = message.Response.Headers.ContentLength ?? 0;
            _entries.Enqueue((message.Request.Method, message.Request.Uri.Query, length));
        }
    }
}
