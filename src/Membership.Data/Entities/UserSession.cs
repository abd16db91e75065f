namespace Membership.Data.Entities;

/// <summary>
/// One signed-in browser. The sign-in cookie carries only a random key; the sign-in itself (the
/// ticket, protected with the site's data-protection keys) lives here, so every node reads it and
/// signing out deletes it: a copied cookie stops working at once. Only the SHA-256 of the key is
/// stored, so the table alone cannot be used to sign in.
/// </summary>
public class UserSession
{
    /// <summary>The session's public id, used by "sign out" in settings (never the cookie's key).</summary>
    public Guid Id { get; set; }

    /// <summary>Lower-case hex SHA-256 of the key in the cookie.</summary>
    public string KeyHash { get; set; } = "";

    public string UserId { get; set; } = "";

    public AppUser? User { get; set; }

    /// <summary>The authentication ticket, serialized and protected with data protection.</summary>
    public byte[] Ticket { get; set; } = [];

    /// <summary>The browser and system it was signed in from, in words ("Chrome on Linux").</summary>
    public string Device { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>Last request seen with it; written at most every few minutes (Security:SessionLastSeenMinutes).</summary>
    public DateTime LastSeenAt { get; set; }

    /// <summary>When it ends unless used again (sliding); rows past it are deleted by a daily job.</summary>
    public DateTime ExpiresAt { get; set; }
}
