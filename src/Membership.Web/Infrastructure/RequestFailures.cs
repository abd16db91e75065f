using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;

namespace Membership.Web.Infrastructure;

/// <summary>A request that failed for a reason the visitor can be told: the status, what to say, and when to try again.</summary>
public sealed record RequestFailure(int StatusCode, string Reason, TimeSpan? RetryAfter = null);

/// <summary>
/// The exceptions that are not the site's bug. A form over ASP.NET Core's limits
/// (<c>FormOptions</c>: fields, field length, multipart size) and a request the server refused
/// (<see cref="BadHttpRequestException"/>: a body over the limit, a body cut short) are the
/// visitor's: a 4xx with the reason. A database that is locked, busy or cannot be reached is a
/// moment's trouble: 503 with <c>Retry-After</c>. Anything else stays a 500 ("the error is logged").
/// The request's exception handler (<c>/error</c>) answers with these.
/// </summary>
public static partial class RequestFailures
{
    public const string DatabaseTroubleReason = "Nothing was saved; please try again in a moment.";

    public static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(5);

    private static readonly RequestFailure DatabaseTrouble = new(StatusCodes.Status503ServiceUnavailable, DatabaseTroubleReason, DatabaseRetryAfter);

    /// <summary>What to answer for <paramref name="exception"/> (or any exception inside it); null for a 500.</summary>
    public static RequestFailure? Classify(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BadHttpRequestException bad:
                    return new RequestFailure(bad.StatusCode, bad.Message);
                case InvalidDataException invalid when FormLimit().Match(invalid.Message) is { Success: true } limit:
                    return new RequestFailure(StatusCodes.Status400BadRequest, FormLimitReason(limit.Groups["what"].Value, long.Parse(limit.Groups["limit"].Value, CultureInfo.InvariantCulture)));
                case InvalidDataException invalid when invalid.Message.StartsWith("The form value contains invalid characters", StringComparison.Ordinal):
                    // The form reader's own refusal; a NUL is the usual one ("The path contains null characters" inside).
                    return new RequestFailure(StatusCodes.Status400BadRequest, invalid.InnerException?.Message.Contains("null characters", StringComparison.Ordinal) == true
                        ? "A field of the form contained a NUL character (\\0), which the site does not accept."
                        : "A field of the form contained characters that are not valid.");
                case SqliteException sqlite when IsSqliteTrouble(sqlite.SqliteErrorCode):
                    return DatabaseTrouble;
                case DbException { IsTransient: true }:
                case RetryLimitExceededException: // SQL Server's retries (EnableRetryOnFailure) ran out
                    return DatabaseTrouble;
            }
        }

        return null;
    }

    /// <summary>SQLITE_BUSY and SQLITE_LOCKED (still locked when the busy time-out ran out), SQLITE_IOERR, SQLITE_CANTOPEN.</summary>
    private static bool IsSqliteTrouble(int code) => (code & 0xff) is 5 or 6 or 10 or 14;

    private static string FormLimitReason(string what, long limit) => what switch
    {
        "Form value count" => Invariant($"The form had more than {limit:N0} fields."),
        "Form key or value length" or "Form value length" => Invariant($"A field of the form was longer than {limit:N0} characters."),
        "Form key length" => Invariant($"A field name of the form was longer than {limit:N0} characters."),
        "Multipart body length" => $"The form was larger than {Size(limit)}.",
        _ => Invariant($"The form was larger than the site accepts ({what.ToLowerInvariant()} over {limit:N0})."),
    };

    private static string Size(long bytes) => bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0
        ? Invariant($"{bytes / (1024 * 1024):N0} MB")
        : Invariant($"{bytes:N0} bytes");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    // ASP.NET Core's form readers say which limit a form went over: "Form value count limit 200 exceeded."
    [GeneratedRegex(@"^(?<what>Form value count|Form key or value length|Form value length|Form key length|Multipart body length|Multipart headers count|Multipart headers length|Multipart header length|Multipart boundary length|Line length) limit (?<limit>\d+) exceeded", RegexOptions.CultureInvariant)]
    private static partial Regex FormLimit();
}

/// <summary>The error page: the status, and the reason when the site knows one the visitor can act on.</summary>
public sealed record ErrorViewModel(int StatusCode, string? Reason = null);
