using System.Text.RegularExpressions;

namespace Membership.BrowserTests;

/// <summary>
/// What no page or email of the site may say: a code name (an enum's PascalCase name such as
/// "CancelScheduled" or "PastDue", an API's snake_case one such as "past_due" or
/// "subscription_cycle"), a count that disagrees with its noun ("1 members"), ".:" after a
/// sentence, or a pointer to a developer document ("METRICS.md"). Every page the journeys open on
/// the site, and every email they cause, is read against it (<see cref="BrowserSession"/>).
/// </summary>
public static partial class Wording
{
    /// <summary>Compound capitalised words that are names, not code: brands and products the pages may mention.</summary>
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "JavaScript", "GitHub", "PayPal", "YouTube", "WordPress", "MailKit", "PostgreSql", "OpenTelemetry",
    };

    /// <summary>The problems in <paramref name="text"/>, each quoted with a little of what surrounds it.</summary>
    public static IReadOnlyList<string> ProblemsIn(string text)
    {
        var problems = new List<string>();
        // Addresses and links may hold anything; they are not words.
        var words = Links().Replace(Emails().Replace(text, " "), " ");
        foreach (Match match in PascalCase().Matches(words))
        {
            if (!Names.Contains(match.Value))
            {
                problems.Add($"code name \"{match.Value}\" in \"{Around(words, match)}\"");
            }
        }

        foreach (Match match in SnakeCase().Matches(words))
        {
            problems.Add($"code name \"{match.Value}\" in \"{Around(words, match)}\"");
        }

        foreach (Match match in OneOfMany().Matches(words))
        {
            problems.Add($"\"{match.Value}\" in \"{Around(words, match)}\"");
        }

        foreach (Match match in DotColon().Matches(words))
        {
            problems.Add($"\".:\" in \"{Around(words, match)}\"");
        }

        if (words.Contains("METRICS.md", StringComparison.Ordinal) || words.Contains("README.md", StringComparison.Ordinal))
        {
            problems.Add("a developer document named on a page");
        }

        return problems;
    }

    private static string Around(string text, Match match)
    {
        var start = Math.Max(0, match.Index - 30);
        var end = Math.Min(text.Length, match.Index + match.Length + 30);
        return Regex.Replace(text[start..end], @"\s+", " ").Trim();
    }

    /// <summary>Two or more capitalised parts run together: "PastDue", "CancelScheduled", "TrialStarted".</summary>
    [GeneratedRegex(@"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")]
    private static partial Regex PascalCase();

    /// <summary>Lower-case words joined by underscores: "past_due", "subscription_cycle".</summary>
    [GeneratedRegex(@"\b[a-z]+(?:_[a-z]+)+\b")]
    private static partial Regex SnakeCase();

    /// <summary>"1" before a plural noun (one that only ends in s because there are several).</summary>
    [GeneratedRegex(@"(?<![\d.,])\b1 (?:members|followers|posts|tiers|payments|refunds|emails|recipients|files|days|weeks|months|years|people|sessions|passkeys|comments|replies|characters|rows|places|subscriptions)\b")]
    private static partial Regex OneOfMany();

    [GeneratedRegex(@"\.:")]
    private static partial Regex DotColon();

    [GeneratedRegex(@"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")]
    private static partial Regex Emails();

    [GeneratedRegex(@"https?://\S+|/[\w./?=&%-]*[\w/]")]
    private static partial Regex Links();
}
