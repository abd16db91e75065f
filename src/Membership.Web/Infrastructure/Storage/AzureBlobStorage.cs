using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Membership.Web.Infrastructure.Health;

namespace Membership.Web.Infrastructure.Storage;

/// <summary>
/// Files as block blobs in one private container, so every node of a site sees the same uploads.
/// The container is made (private) on first use, once per process; a container that allows
/// public reads is refused, since paywalled files in it would be readable without the site.
/// Reads are lazy and seekable: a range request fetches only the part it serves.
/// </summary>
public sealed class AzureBlobStorage(BlobContainerClient container, ILogger<AzureBlobStorage> logger) : IFileStorage
{
    /// <summary>How much one read fetches from the service: what a download in progress holds in memory.</summary>
    public const int ReadBufferBytes = 1024 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _containerReady;

    public string ContainerName => container.Name;

    public async Task SaveAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(key, cancellationToken);
        // A block blob upload is committed whole or not at all: readers never see half a file.
        await blob.UploadAsync(content, overwrite: true, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(key, cancellationToken);
        try
        {
            // allowModifications: false pins the blob's ETag, so a file replaced mid-download fails
            // instead of splicing two versions into one response.
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferBytes }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = await BlobAsync(key, cancellationToken);
        await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
    }

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken = default)
    {
        // The readiness checks' time limit: the SDK's own retries would take far longer.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Reachability.Timeout);
        try
        {
            return PublicReadProblem(await container.GetPropertiesAsync(cancellationToken: timeout.Token));
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            // The service answers; the container is made on the first upload.
            return null;
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            return $"Blob storage refused the container \"{container.Name}\": {e.Status} {e.ErrorCode}";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is OperationCanceledException or AggregateException or HttpRequestException or RequestFailedException { Status: 0 })
        {
            return $"Blob storage at {container.Uri.GetLeftPart(UriPartial.Authority)} does not answer.";
        }
    }

    /// <summary>Why a container that allows public reads is refused, or null when it is private.</summary>
    private string? PublicReadProblem(BlobContainerProperties properties) =>
        properties.PublicAccess is { } access && access != PublicAccessType.None
            ? $"The blob container \"{container.Name}\" allows public read access ({access}); paywalled files in it would be readable without the site. Set its access level to private."
            : null;

    private async Task<BlobClient> BlobAsync(string key, CancellationToken cancellationToken)
    {
        // Keys are the site's own ("posts/12/3f….mp3"); anything else is a bug, refused like the local folder does.
        if (string.IsNullOrWhiteSpace(key) || key.Length > 1024 || key.Contains('\\', StringComparison.Ordinal)
            || key.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException("A storage key is a relative path of plain segments.", nameof(key));
        }

        if (!_containerReady)
        {
            await EnsureContainerAsync(cancellationToken);
        }

        return container.GetBlobClient(key);
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_containerReady)
            {
                return;
            }

            var created = await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
            if (created is not null)
            {
                logger.LogInformation("Created the private blob container {Container} for uploads", container.Name);
            }
            else
            {
                if (PublicReadProblem(await container.GetPropertiesAsync(cancellationToken: cancellationToken)) is { } problem)
                {
                    // Not marked ready: every use keeps failing until someone makes the container private.
                    throw new InvalidOperationException(problem);
                }
            }

            _containerReady = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
