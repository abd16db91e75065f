using System.Globalization;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>The roster's filters, as they appear in the query string (shared by the page and the CSV export).</summary>
public sealed class RosterFilter
{
    public const int PageSize = 50;

    /// <summary>Part of a name or email.</summary>
    public string? Q { get; set; }

    public int? Tier { get; set; }

    /// <summary>active | past-due | cancelling | ended | free | complimentary.</summary>
    public string? Status { get; set; }

    /// <summary>month | year.</summary>
    public string? Interval { get; set; }

    /// <summary>Joined on or after this day (yyyy-MM-dd).</summary>
    public string? JoinedFrom { get; set; }

    /// <summary>Joined on or before this day (yyyy-MM-dd).</summary>
    public string? JoinedTo { get; set; }

    /// <summary>joined (newest first, the default) | paid (most first) | name.</summary>
    public string? Sort { get; set; }

    /// <summary>The keyset cursor: where the previous page ended.</summary>
    public string? After { get; set; }

    /// <summary>The keyset cursor going back: where the next page began (the page before it is shown).</summary>
    public string? Before { get; set; }

    public static readonly string[] Statuses = ["active", "past-due", "cancelling", "ended", "free", "complimentary"];

    /// <summary>The query-string names of the filters.</summary>
    public static readonly string[] Keys = ["q", "tier", "status", "interval", "joinedFrom", "joinedTo", "sort", "after", "before"];

    /// <summary>The query string for these filters, with the given cursor only (for links and the export).</summary>
    public string QueryString(string? after = null, string? before = null)
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{key}={Uri.EscapeDataString(value)}");
            }
        }

        Add("q", Q);
        Add("tier", Tier?.ToString(CultureInfo.InvariantCulture));
        Add("status", Status);
        Add("interval", Interval);
        Add("joinedFrom", JoinedFrom);
        Add("joinedTo", JoinedTo);
        Add("sort", Sort);
        Add("after", after);
        Add("before", before);
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }
}

/// <summary>One member as the roster lists them.</summary>
public sealed record RosterRow(
    int Id, string Name, string Email, string? Tier, MemberStatus Status, bool Complimentary, DateTime? ComplimentaryUntil,
    bool Cancelling, BillingInterval? Interval, DateTime JoinedAt, long LifetimePaidMinor, DateTime? ImportedAt)
{
    /// <summary>The status as the filters name it.</summary>
    public string StatusName => Status switch
    {
        MemberStatus.Active when Complimentary => "complimentary",
        MemberStatus.Active when Cancelling => "cancelling",
        MemberStatus.Active => "active",
        MemberStatus.PastDue => "past-due",
        MemberStatus.Ended => "ended",
        _ => "free",
    };
}

/// <summary>One page of the roster; <see cref="PreviousCursor"/> is set when there are rows before it (the first page is the one with no cursor).</summary>
public sealed record RosterPage(IReadOnlyList<RosterRow> Rows, int Total, string? NextCursor, string? PreviousCursor = null);

/// <summary>
/// The creator's members: filtered and searched in the database, paged by keyset (the last row's
/// sort value and id), so the last page costs what the first does.
/// </summary>
public sealed class RosterQuery(MembershipDbContext db)
{
    public async Task<RosterPage> PageAsync(int creatorId, RosterFilter filter, CancellationToken cancellationToken)
    {
        var members = Filtered(creatorId, filter);
        var total = await members.CountAsync(cancellationToken);
        if (!string.IsNullOrEmpty(filter.Before) && TryReadCursor(filter.Before, out var value, out var id))
        {
            // Going back: the rows just before the cursor, read in the other direction, then turned round.
            var back = await Project(Reversed(BeforeCursor(members, filter.Sort, value, id), filter.Sort)).Take(RosterFilter.PageSize + 1).ToListAsync(cancellationToken);
            var hasPrevious = back.Count > RosterFilter.PageSize;
            var rows = back.Take(RosterFilter.PageSize).Reverse().ToList();
            return new RosterPage(rows, total, rows.Count > 0 ? Cursor(rows[^1], filter.Sort) : null, hasPrevious && rows.Count > 0 ? Cursor(rows[0], filter.Sort) : null);
        }

        var page = await Project(Ordered(AfterCursor(members, filter), filter.Sort)).Take(RosterFilter.PageSize + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (page.Count > RosterFilter.PageSize)
        {
            page.RemoveAt(page.Count - 1);
            next = Cursor(page[^1], filter.Sort);
        }

        var previous = !string.IsNullOrEmpty(filter.After) && page.Count > 0 ? Cursor(page[0], filter.Sort) : null;
        return new RosterPage(page, total, next, previous);
    }

    /// <summary>Every filtered row, streamed from the database (the CSV export never holds them all).</summary>
    public IAsyncEnumerable<RosterRow> AllAsync(int creatorId, RosterFilter filter) =>
        Project(Ordered(Filtered(creatorId, filter), filter.Sort)).AsNoTracking().AsAsyncEnumerable();

    /// <summary>Subscriptions that give access or are in their grace period.</summary>
    private IQueryable<Data.Entities.Subscription> LiveSubscriptions =>
        db.Subscriptions.Where(s => s.Status == StripeStatuses.Active || s.Status == StripeStatuses.Trialing || s.Status == StripeStatuses.PastDue);

    private IQueryable<Member> Filtered(int creatorId, RosterFilter filter)
    {
        var members = db.Members.AsNoTracking().Where(m => m.CreatorId == creatorId && m.Status != MemberStatus.Left);
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var upper = filter.Q.Trim().ToUpperInvariant();
            var lower = filter.Q.Trim().ToLowerInvariant();
            members = members.Where(m => m.User!.NormalizedEmail!.Contains(upper) || m.DisplayName.ToLower().Contains(lower));
        }

        if (filter.Tier is { } tier)
        {
            members = members.Where(m => m.TierId == tier && (m.Status == MemberStatus.Active || m.Status == MemberStatus.PastDue));
        }

        var live = LiveSubscriptions;
        members = filter.Status switch
        {
            "active" => members.Where(m => m.Status == MemberStatus.Active && !m.IsComplimentary && !live.Any(s => s.MemberId == m.Id && s.CancelAtPeriodEnd)),
            "past-due" => members.Where(m => m.Status == MemberStatus.PastDue),
            "cancelling" => members.Where(m => m.Status == MemberStatus.Active && live.Any(s => s.MemberId == m.Id && s.CancelAtPeriodEnd)),
            "ended" => members.Where(m => m.Status == MemberStatus.Ended),
            "free" => members.Where(m => m.Status == MemberStatus.Following),
            "complimentary" => members.Where(m => m.Status == MemberStatus.Active && m.IsComplimentary),
            _ => members,
        };

        if (filter.Interval is "month" or "year")
        {
            var interval = filter.Interval == "month" ? BillingInterval.Month : BillingInterval.Year;
            members = members.Where(m => live.Any(s => s.MemberId == m.Id && s.Interval == interval));
        }

        if (Day(filter.JoinedFrom) is { } from)
        {
            members = members.Where(m => m.JoinedAt >= from);
        }

        if (Day(filter.JoinedTo) is { } to && to < DateTime.MaxValue.Date)
        {
            // Joined on that day or before (9999-12-31, the calendar's last day, has no day after it: everyone).
            var end = to.AddDays(1);
            members = members.Where(m => m.JoinedAt < end);
        }

        return members;
    }

    private static IQueryable<Member> AfterCursor(IQueryable<Member> members, RosterFilter filter)
    {
        if (string.IsNullOrEmpty(filter.After) || !TryReadCursor(filter.After, out var value, out var id))
        {
            return members;
        }

        switch (filter.Sort)
        {
            case "paid":
                var paid = long.Parse(value, CultureInfo.InvariantCulture);
                return members.Where(m => m.LifetimePaidMinor < paid || (m.LifetimePaidMinor == paid && m.Id < id));
            case "name":
                return members.Where(m => string.Compare(m.DisplayName, value) > 0 || (m.DisplayName == value && m.Id > id));
            default:
                var joined = new DateTime(long.Parse(value, CultureInfo.InvariantCulture), DateTimeKind.Utc);
                return members.Where(m => m.JoinedAt < joined || (m.JoinedAt == joined && m.Id < id));
        }
    }

    private static IQueryable<Member> BeforeCursor(IQueryable<Member> members, string? sort, string value, int id)
    {
        switch (sort)
        {
            case "paid":
                var paid = long.Parse(value, CultureInfo.InvariantCulture);
                return members.Where(m => m.LifetimePaidMinor > paid || (m.LifetimePaidMinor == paid && m.Id > id));
            case "name":
                return members.Where(m => string.Compare(m.DisplayName, value) < 0 || (m.DisplayName == value && m.Id < id));
            default:
                var joined = new DateTime(long.Parse(value, CultureInfo.InvariantCulture), DateTimeKind.Utc);
                return members.Where(m => m.JoinedAt > joined || (m.JoinedAt == joined && m.Id > id));
        }
    }

    /// <summary>The roster's order the other way round (for reading back from a cursor).</summary>
    private static IQueryable<Member> Reversed(IQueryable<Member> members, string? sort) => sort switch
    {
        "paid" => members.OrderBy(m => m.LifetimePaidMinor).ThenBy(m => m.Id),
        "name" => members.OrderByDescending(m => m.DisplayName).ThenByDescending(m => m.Id),
        _ => members.OrderBy(m => m.JoinedAt).ThenBy(m => m.Id),
    };

    private static IQueryable<Member> Ordered(IQueryable<Member> members, string? sort) => sort switch
    {
        "paid" => members.OrderByDescending(m => m.LifetimePaidMinor).ThenByDescending(m => m.Id),
        "name" => members.OrderBy(m => m.DisplayName).ThenBy(m => m.Id),
        _ => members.OrderByDescending(m => m.JoinedAt).ThenByDescending(m => m.Id),
    };

    private IQueryable<RosterRow> Project(IQueryable<Member> members)
    {
        var live = LiveSubscriptions;
        return members.Select(m => new RosterRow(
            m.Id, m.DisplayName, m.User!.Email ?? "", m.Tier != null ? m.Tier.Name : null, m.Status, m.IsComplimentary, m.ComplimentaryUntil,
            live.Any(s => s.MemberId == m.Id && s.CancelAtPeriodEnd),
            live.Where(s => s.MemberId == m.Id).OrderByDescending(s => s.StartedAt).Select(s => (BillingInterval?)s.Interval).FirstOrDefault(),
            m.JoinedAt, m.LifetimePaidMinor, m.ImportedAt));
    }

    private static string Cursor(RosterRow row, string? sort)
    {
        var value = sort switch
        {
            "paid" => row.LifetimePaidMinor.ToString(CultureInfo.InvariantCulture),
            "name" => row.Name,
            _ => row.JoinedAt.Ticks.ToString(CultureInfo.InvariantCulture),
        };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{row.Id}:{value}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static bool TryReadCursor(string cursor, out string value, out int id)
    {
        value = "";
        id = 0;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var colon = text.IndexOf(':');
            if (colon <= 0 || !int.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out id))
            {
                return false;
            }

            value = text[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Whether the cursor can be read for this sort; a tampered one is a 400.</summary>
    public static bool IsValidCursor(string? cursor, string? sort)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        if (!TryReadCursor(cursor, out var value, out _))
        {
            return false;
        }

        return sort == "name"
            || (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && (sort == "paid" || number <= DateTime.MaxValue.Ticks));
    }

    private static DateTime? Day(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)
            : null;
}
