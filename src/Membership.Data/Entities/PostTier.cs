namespace Membership.Data.Entities;

/// <summary>One tier allowed to read a tier-only post.</summary>
public class PostTier
{
    public int PostId { get; set; }

    public Post? Post { get; set; }

    public int TierId { get; set; }

    public Tier? Tier { get; set; }
}
