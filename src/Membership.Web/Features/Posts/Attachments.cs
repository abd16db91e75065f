using Membership.Web.Infrastructure.Caching;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Posts;

/// <summary>Upload and removal of a post's files. Serving them is the readers' controller's job, after the entitlement check.</summary>
public sealed class AttachmentsHandler(MembershipDbContext db, IFileStorage storage, IOptions<UploadSettings> settings, TimeProvider clock, PublicPageCache pages)
{
    /// <summary>Stores the file; the attachment (with its cleaned name) or what was wrong with the file.</summary>
    public async Task<(Attachment? Attachment, Errors Errors)> UploadAsync(Post post, IFormFile? file, bool isCover, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        var maxBytes = Math.Min(settings.Value.MaxFileBytes, UploadSettings.HardLimitBytes);
        if (file is null || file.Length == 0)
        {
            return (null, errors.Add("File", "Choose a file to upload."));
        }

        if (file.Length > maxBytes)
        {
            return (null, errors.Add("File", $"The file is {Megabytes(file.Length)}; the limit is {Megabytes(maxBytes)}."));
        }

        await using var stream = file.OpenReadStream();
        var header = new byte[FileTypes.HeaderLength];
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        var type = FileTypes.Detect(header.AsSpan(0, read));
        if (type is null)
        {
            return (null, errors.Add("File", $"That file type is not accepted. Upload {FileTypes.Accepted}."));
        }

        if (isCover && !type.IsImage)
        {
            return (null, errors.Add("File", "A cover must be an image (JPEG, PNG, GIF or WebP)."));
        }

        stream.Seek(0, SeekOrigin.Begin);
        var key = $"posts/{post.Id}/{Guid.NewGuid():N}{type.Extension}";
        await storage.SaveAsync(key, stream, cancellationToken);

        if (isCover)
        {
            // In the same SaveChanges as the new row: the post never ends up with no cover.
            foreach (var previous in await db.Attachments.Where(a => a.PostId == post.Id && a.IsCover).ToListAsync(cancellationToken))
            {
                previous.IsCover = false;
            }
        }

        var attachment = new Attachment
        {
            PostId = post.Id,
            FileName = CleanFileName(file.FileName, type),
            ContentType = type.ContentType,
            Length = file.Length,
            StorageKey = key,
            IsCover = isCover,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Attachments.Add(attachment);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            await storage.DeleteAsync(key, CancellationToken.None);
            throw;
        }

        await pages.EvictAsync(post.CreatorId, cancellationToken);
        return (attachment, errors);
    }

    public async Task DeleteAsync(Attachment attachment, CancellationToken cancellationToken)
    {
        var creatorId = attachment.Post?.CreatorId
            ?? await db.Posts.Where(p => p.Id == attachment.PostId).Select(p => p.CreatorId).SingleAsync(cancellationToken);
        db.Attachments.Remove(attachment);
        await db.SaveChangesAsync(cancellationToken);
        await pages.EvictAsync(creatorId, cancellationToken);
        await storage.DeleteAsync(attachment.StorageKey, cancellationToken);
    }

    /// <summary>The uploader's name reduced to safe characters, with the extension of the type we detected.</summary>
    public static string CleanFileName(string? original, FileTypes.FileType type)
    {
        var stem = Path.GetFileNameWithoutExtension(Path.GetFileName(original ?? ""));
        var builder = new StringBuilder();
        foreach (var character in stem)
        {
            builder.Append(char.IsAsciiLetterOrDigit(character) || character is '-' or '_' ? character : '-');
        }

        var cleaned = builder.ToString().Trim('-');
        if (cleaned.Length > 100)
        {
            cleaned = cleaned[..100];
        }

        return (cleaned.Length == 0 ? "file" : cleaned) + type.Extension;
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MB";
}
