using System.Globalization;

namespace Membership.Web.Infrastructure.Text;

/// <summary>A number with its noun in the right form: "1 member", "2 members", "0 members" — never "1 members" or "member(s)".</summary>
public static class Counts
{
    public static string Of(long count, string one, string many) =>
        count.ToString("N0", CultureInfo.InvariantCulture) + " " + Noun(count, one, many);

    /// <summary>The noun alone, for a number shown apart from it (a big figure above its label).</summary>
    public static string Noun(long count, string one, string many) => count == 1 ? one : many;
}
