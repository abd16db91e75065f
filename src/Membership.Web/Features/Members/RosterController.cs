using System.Globalization;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Money;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Membership.Web.Infrastructure.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>The creator's member roster: list, member page, notes, CSV export. Every member is looked up within the signed-in creator's page.</summary>
[Authorize]
[Route("creator/members")]
public sealed class RosterController(MembershipDbContext db, RosterQuery roster, CurrentCreator currentCreator) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] RosterFilter filter, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var tiers = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id).OrderBy(t => t.SortOrder).ToListAsync(cancellationToken);
        if (Invalid(filter, tiers.Select(t => t.Id)) is { } reason)
        {
            return BadRequest(reason);
        }

        var page = await roster.PageAsync(creator.Id, filter, cancellationToken);
        return View(new RosterViewModel(creator, filter, page, tiers));
    }

    /// <summary>The filtered roster as CSV, written row by row as the database returns them.</summary>
    [HttpGet("export.csv")]
    public async Task<IActionResult> Export([FromQuery] RosterFilter filter, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return NotFound();
        }

        var tierIds = await db.Tiers.Where(t => t.CreatorId == creator.Id).Select(t => t.Id).ToListAsync(cancellationToken);
        if (Invalid(filter, tierIds) is { } reason)
        {
            return BadRequest(reason);
        }

        // Members' names and email addresses: never kept by a browser or a proxy.
        Response.Headers.CacheControl = "no-store";
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{creator.Handle}-members.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
        await writer.WriteLineAsync("email,name,status,tier,interval,joined_at,lifetime_paid,currency,complimentary_until");
        var rows = 0;
        await foreach (var row in roster.AllAsync(creator.Id, filter).WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(string.Join(',',
                Csv(row.Email), Csv(row.Name), row.StatusName, Csv(row.Tier ?? ""),
                row.Interval switch { BillingInterval.Month => "month", BillingInterval.Year => "year", _ => "" },
                row.JoinedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                MoneyFormat.FormatForInput(row.LifetimePaidMinor, creator.Currency), creator.Currency,
                row.ComplimentaryUntil?.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""));
            if (++rows % 1000 == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        return new EmptyResult();
    }

    [HttpGet("import")]
    public async Task<IActionResult> Import(CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        return creator is null ? RedirectToAction("Setup", "Creators") : View(await ImportModelAsync(creator, new ImportRequest(), null, null, cancellationToken));
    }

    /// <summary>Reads the file and shows what would be imported; writes nothing.</summary>
    [HttpPost("import")]
    [RequestSizeLimit(10 * 1024 * 1024)]
    public async Task<IActionResult> PreviewImport([Bind(Prefix = "Form")] ImportRequest request, IFormFile? file, [FromServices] MemberImportHandler import, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        if (file is null || file.Length == 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return View(nameof(Import), await ImportModelAsync(creator, request, null, "Choose a CSV file.", cancellationToken));
        }

        await using var stream = file.OpenReadStream();
        var (preview, error) = await import.PreviewAsync(creator, stream, file.FileName, request, cancellationToken);
        if (error is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return View(nameof(Import), await ImportModelAsync(creator, request, preview, error, cancellationToken));
    }

    [HttpPost("import/confirm")]
    public async Task<IActionResult> ConfirmImport(string? token, [FromServices] MemberImportHandler import, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        var (added, error) = await import.ConfirmAsync(creator, token, cancellationToken);
        if (error is not null)
        {
            return BadRequest(error);
        }

        TempData["Notice"] = $"{Counts.Of(added, "member", "members")} imported; each was told by email.";
        return RedirectToAction(nameof(Index));
    }

    private async Task<ImportViewModel> ImportModelAsync(Creator creator, ImportRequest form, ImportPreview? preview, string? error, CancellationToken cancellationToken) => new(
        form,
        await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id && t.ArchivedAt == null).OrderBy(t => t.SortOrder).ToListAsync(cancellationToken),
        preview,
        error);

    [HttpGet("{id:int}")]
    public async Task<IActionResult> Show(int id, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        var member = creator is null ? null : await db.Members.AsNoTracking().Include(m => m.User).Include(m => m.Tier)
            .SingleOrDefaultAsync(m => m.Id == id && m.CreatorId == creator.Id, cancellationToken);
        if (creator is null || member is null)
        {
            return NotFound();
        }

        var history = await db.MembershipChanges.AsNoTracking().Where(c => c.MemberId == id).OrderByDescending(c => c.OccurredAt).ThenByDescending(c => c.Id).ToListAsync(cancellationToken);
        var payments = await db.Payments.AsNoTracking().Include(p => p.Refunds).Where(p => p.MemberId == id).OrderByDescending(p => p.PaidAt).ToListAsync(cancellationToken);
        var tierNames = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        var cancelling = await db.Subscriptions.AnyAsync(s => s.MemberId == id && s.CancelAtPeriodEnd && (s.Status == "active" || s.Status == "trialing"), cancellationToken);
        return View(new MemberViewModel(creator, member, history, payments, tierNames, cancelling));
    }

    [HttpPost("{id:int}/notes")]
    public async Task<IActionResult> Notes(int id, string? notes, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return NotFound();
        }

        var text = (notes ?? "").Trim();
        if (text.Length > 4000)
        {
            return BadRequest("Notes are limited to 4,000 characters.");
        }

        var changed = await db.Members.Where(m => m.Id == id && m.CreatorId == creator.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Notes, text), cancellationToken);
        if (changed == 0)
        {
            return NotFound();
        }

        TempData["Notice"] = "Notes saved.";
        return RedirectToAction(nameof(Show), new { id });
    }

    /// <summary>Removes a free follower (a paying or complimentary member ends their membership instead).</summary>
    [HttpPost("{id:int}/remove")]
    public async Task<IActionResult> Remove(int id, [FromServices] TimeProvider clock, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        var member = creator is null ? null : await db.Members.SingleOrDefaultAsync(m => m.Id == id && m.CreatorId == creator.Id, cancellationToken);
        if (creator is null || member is null)
        {
            return NotFound();
        }

        if (member.Status != MemberStatus.Following)
        {
            return BadRequest("Only free followers can be removed; a paying member cancels, and complimentary access is ended on its page.");
        }

        member.Status = MemberStatus.Left;
        member.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        TempData["Notice"] = "The follower was removed.";
        return RedirectToAction(nameof(Index));
    }

    /// <summary>Why the filters cannot be used, or null: an unknown value is a 400 saying so, never silently ignored.</summary>
    private string? Invalid(RosterFilter filter, IEnumerable<int> tierIds)
    {
        foreach (var key in RosterFilter.Keys)
        {
            if (Request.Query[key].Count > 1)
            {
                return $"Give {key} once.";
            }
        }

        // The tier is the one filter the binder can fail to read (tier=abc, tier=1.5); unread, it would filter nothing.
        if (!ModelState.IsValid || (filter.Tier is { } tier && !tierIds.Contains(tier)))
        {
            return $"Unknown tier \"{Request.Query["tier"]}\": use the id of one of your tiers.";
        }

        if (filter.Status is not null && !RosterFilter.Statuses.Contains(filter.Status))
        {
            return $"Unknown status \"{filter.Status}\": use {string.Join(", ", RosterFilter.Statuses)}.";
        }

        if (filter.Interval is not null and not ("month" or "year"))
        {
            return "Interval is month or year.";
        }

        if (filter.Sort is not null and not ("joined" or "paid" or "name"))
        {
            return "Sort by joined, paid or name.";
        }

        var days = new List<DateOnly>();
        foreach (var day in new[] { filter.JoinedFrom, filter.JoinedTo })
        {
            if (string.IsNullOrWhiteSpace(day))
            {
                continue;
            }

            if (!DateOnly.TryParseExact(day.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                return $"\"{day}\" is not a date (yyyy-mm-dd).";
            }

            days.Add(parsed);
        }

        if (days.Count == 2 && days[0] > days[1])
        {
            return "joinedFrom must not be after joinedTo.";
        }

        if (!string.IsNullOrEmpty(filter.After) && !string.IsNullOrEmpty(filter.Before))
        {
            return "Give either after or before, not both.";
        }

        return RosterQuery.IsValidCursor(filter.After, filter.Sort) && RosterQuery.IsValidCursor(filter.Before, filter.Sort)
            ? null
            : "The page cursor is not valid; start from the first page.";
    }

    /// <summary>A CSV field, quoted when needed; a leading =, +, - or @ is defused so spreadsheets do not run it as a formula.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private Task<Creator?> MyCreatorAsync(CancellationToken cancellationToken) => currentCreator.FindAsync(cancellationToken);
}

public sealed record ImportViewModel(ImportRequest Form, List<Tier> Tiers, ImportPreview? Preview, string? Error);

public sealed record RosterViewModel(Creator Creator, RosterFilter Filter, RosterPage Page, List<Tier> Tiers);

public sealed record MemberViewModel(Creator Creator, Member Member, List<MembershipChange> History, List<Payment> Payments, Dictionary<int, string> TierNames, bool Cancelling);
