using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Membership.Web.Domain;

/// <summary>
/// Rules for a creator's handle, the first path segment of their page (<c>/{handle}</c>):
/// 3–30 lower-case letters, digits and single hyphens, starting with a letter, and not a word
/// the site uses for its own pages: the first segment of any of its routes or static folders
/// (<see cref="ReservedHandles"/>, read from the running app), or a word of the list below.
/// </summary>
public static partial class Handles
{
    // Words kept for the site whether or not it routes them today (and some it does: the routes
    // themselves come from ReservedHandles, so this list need not follow them).
    private static readonly FrozenSet<string> Reserved = new[]
    {
        "about", "account", "accounts", "admin", "api", "app", "assets", "auth", "billing", "blog",
        "checkout", "contact", "creator", "creators", "css", "dashboard", "docs", "email", "error", "explore",
        "favicon", "feed", "feeds", "fonts", "healthz", "help", "home", "images", "img", "jobs", "js",
        "legal", "lib", "login", "logout", "mail", "me", "media", "members", "membership", "metrics",
        "new", "null", "pricing", "privacy", "posts", "ready", "register", "rss", "search", "settings",
        "sign-in", "sign-out", "sign-up", "signin", "signout", "signup", "static", "status", "stripe",
        "support", "terms", "tiers", "undefined", "unsubscribe", "uploads", "user", "users", "webhooks",
        "www",
    }.ToFrozenSet(StringComparer.Ordinal);

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    public static string Normalize(string? handle) => (handle ?? "").Trim().ToLowerInvariant();

    /// <summary>Null when <paramref name="normalized"/> is a valid handle, otherwise what is wrong with it.</summary>
    /// <param name="normalized">The handle, <see cref="Normalize"/>d.</param>
    /// <param name="routeWords">The site's own first path segments (<see cref="ReservedHandles.RouteWords"/>).</param>
    public static string? Problem(string normalized, IReadOnlySet<string> routeWords)
    {
        if (normalized.Length is < 3 or > 30)
        {
            return "Use 3 to 30 characters.";
        }

        if (!Shape().IsMatch(normalized))
        {
            return "Use lower-case letters, digits and single hyphens, starting with a letter (like \"jane-draws\").";
        }

        return Reserved.Contains(normalized) || routeWords.Contains(normalized) ? $"\"{normalized}\" is reserved by the site. Choose another handle." : null;
    }
}
