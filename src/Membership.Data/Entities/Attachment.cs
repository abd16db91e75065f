namespace Membership.Data.Entities;

/// <summary>
/// A file uploaded to a post (image, PDF, audio). The bytes live in file storage under
/// <see cref="StorageKey"/>; they are only ever served by an endpoint that checks entitlement.
/// </summary>
public class Attachment
{
    public int Id { get; set; }

    public int PostId { get; set; }

    public Post? Post { get; set; }

    /// <summary>The uploader's file name, cleaned, for Content-Disposition.</summary>
    public string FileName { get; set; } = "";

    /// <summary>The type we detected from the file's first bytes, not the one the browser claimed.</summary>
    public string ContentType { get; set; } = "";

    public long Length { get; set; }

    public string StorageKey { get; set; } = "";

    /// <summary>The post's cover image: shown with the teaser, so readable by whoever may see the post exists.</summary>
    public bool IsCover { get; set; }

    public DateTime CreatedAt { get; set; }
}
