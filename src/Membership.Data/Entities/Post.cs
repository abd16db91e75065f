namespace Membership.Data.Entities;

/// <summary>
/// A creator's post. The Markdown is the source; the sanitised HTML and plain text of the
/// teaser (above the paywall cut) and of the members' part (below it) are rendered at save
/// time and stored, so no request renders or trusts HTML from the client.
/// </summary>
public class Post
{
    public int Id { get; set; }

    public int CreatorId { get; set; }

    public Creator? Creator { get; set; }

    public string Title { get; set; } = "";

    /// <summary>URL slug, unique per creator; fixed once the post has been published.</summary>
    public string Slug { get; set; } = "";

    /// <summary>Short public summary: meta description, RSS and locked cards.</summary>
    public string Excerpt { get; set; } = "";

    public string BodyMarkdown { get; set; } = "";

    public string TeaserHtml { get; set; } = "";

    public string MembersHtml { get; set; } = "";

    public string TeaserText { get; set; } = "";

    public string MembersText { get; set; } = "";

    public PostAccess Access { get; set; }

    public PostStatus Status { get; set; }

    /// <summary>When a scheduled post goes out (UTC).</summary>
    public DateTime? ScheduledAt { get; set; }

    /// <summary>First publication; the feed's order. Kept when a post is unpublished and published again.</summary>
    public DateTime? PublishedAt { get; set; }

    /// <summary>Email the post to its readers when it is published (now, or when its schedule comes).</summary>
    public bool EmailOnPublish { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>The tiers that may read a <see cref="PostAccess.Tiers"/> post.</summary>
    public List<PostTier> Tiers { get; set; } = [];

    public List<Attachment> Attachments { get; set; } = [];
}

/// <summary>Who may read below the cut (Ghost's levels).</summary>
public enum PostAccess
{
    /// <summary>Everyone, signed in or not.</summary>
    Public,

    /// <summary>Any member: free followers and paying members.</summary>
    Members,

    /// <summary>Members of any paid tier.</summary>
    Paid,

    /// <summary>Members of the tiers in <see cref="Post.Tiers"/>.</summary>
    Tiers,
}

public enum PostStatus
{
    Draft,
    Scheduled,
    Published,
    Unpublished,
}
