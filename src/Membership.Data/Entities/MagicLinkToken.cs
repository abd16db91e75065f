namespace Membership.Data.Entities;

/// <summary>
/// A one-time sign-in link sent by email. Only the SHA-256 of the token is stored, so a
/// leaked database cannot be used to sign in; <see cref="UsedAt"/> makes it single-use.
/// </summary>
public class MagicLinkToken
{
    public int Id { get; set; }

    public string UserId { get; set; } = "";

    public AppUser? User { get; set; }

    /// <summary>Lower-case hex SHA-256 of the token in the link.</summary>
    public string TokenHash { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }
}
