namespace Membership.Web.Features.Posts;

/// <summary>
/// The address of a post's file, as the editor inserts it into the post's Markdown. It holds the
/// post's slug, so when a draft's address changes, its own file links move with it.
/// </summary>
public static class PostFileLinks
{
    public static string Path(string handle, string slug, int attachmentId) => $"/{handle}/posts/{slug}/files/{attachmentId}";

    /// <summary>The body with its links to the post's own files pointed at the post's new slug.</summary>
    public static string Moved(string body, string handle, string oldSlug, string newSlug) =>
        oldSlug == newSlug ? body : body.Replace($"/{handle}/posts/{oldSlug}/files/", $"/{handle}/posts/{newSlug}/files/", StringComparison.Ordinal);
}
