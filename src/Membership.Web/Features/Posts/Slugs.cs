using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Membership.Web.Features.Posts;

/// <summary>Post URL slugs: lower-case ASCII letters, digits and single hyphens, at most 80 characters.</summary>
public static partial class Slugs
{
    public const int MaxLength = 80;

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    public static bool IsValid(string slug) => slug.Length <= MaxLength && Shape().IsMatch(slug);

    /// <summary>"Épisode 3: the End!" → "episode-3-the-end"; "post" when nothing usable is left.</summary>
    public static string FromTitle(string title)
    {
        var decomposed = title.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var pendingHyphen = false;
        foreach (var character in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(character) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            var lower = char.ToLowerInvariant(character);
            if (char.IsAsciiLetterOrDigit(lower))
            {
                if (pendingHyphen && builder.Length > 0)
                {
                    builder.Append('-');
                }

                builder.Append(lower);
                pendingHyphen = false;
            }
            else
            {
                pendingHyphen = true;
            }
        }

        var slug = builder.Length > MaxLength ? builder.ToString(0, MaxLength).TrimEnd('-') : builder.ToString();
        return slug.Length == 0 ? "post" : slug;
    }
}
