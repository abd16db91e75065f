namespace Membership.Web.Infrastructure.Storage;

/// <summary>
/// Where uploaded files live. Keys are our own (never a user's file name). The default keeps
/// them in a local folder, which suits one node; several nodes need shared storage behind
/// this same seam.
/// </summary>
public interface IFileStorage
{
    Task SaveAsync(string key, Stream content, CancellationToken cancellationToken = default);

    /// <summary>The file's bytes, seekable (range requests for audio), or null when it is gone.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Null when files can be stored and read now; otherwise what is wrong, in words for an
    /// operator (<c>/healthz/ready</c>). Never names a secret.
    /// </summary>
    Task<string?> ProblemAsync(CancellationToken cancellationToken = default);
}
