namespace Membership.Web.Infrastructure.Storage;

/// <summary>Files under <c>{DataDirectory}/uploads</c> (or <c>Uploads:Directory</c>), outside the web root.</summary>
public sealed class LocalFolderStorage(string root) : IFileStorage
{
    public string Root { get; } = Path.GetFullPath(root);

    public async Task SaveAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".uploading";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await content.CopyToAsync(file, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : null;
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<string?> ProblemAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            // Made on the first upload anyway; making it here shows a folder that cannot be made (a
            // missing mount, no permission). No file is written: a read-only folder that exists
            // shows only when an upload fails.
            Directory.CreateDirectory(Root);
            return Task.FromResult<string?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<string?>($"The uploads folder {Root} cannot be made: {e.Message}");
        }
    }

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("Storage key escapes the storage folder.", nameof(key));
        }

        return path;
    }
}
