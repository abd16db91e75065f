using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Members;

/// <summary>The upload form of a member import.</summary>
public sealed class ImportRequest
{
    /// <summary>free | complimentary.</summary>
    public string Kind { get; set; } = "free";

    /// <summary>For complimentary members without a tier column: the tier they all get.</summary>
    public int? TierId { get; set; }
}

/// <summary>One row of the file as understood, with why it cannot be imported (null when it can).</summary>
public sealed record ImportRow(int Line, string Email, string Name, string? TierName, int? TierId, string? Error);

/// <summary>What the preview shows, and (signed, in the confirm form) what the confirmation will write.</summary>
public sealed record ImportPreview(string Layout, string Kind, IReadOnlyList<ImportRow> Rows, string? Token)
{
    public int Valid => Rows.Count(r => r.Error is null);
}

/// <summary>
/// CSV import of free or complimentary members, from our own layout (<c>email,name[,tier]</c>)
/// or the member exports of Patreon (<c>Name, Email, …, Tier, …</c>) and Substack (<c>email, …</c>),
/// recognised from the header. The upload only previews, with an error per bad row (bad email,
/// duplicate, already a member, unknown tier); nothing is written until the creator confirms the
/// preview, whose rows travel signed in the confirm form (so what is written is what was shown).
/// People without an account get one without a password (they sign in by email link or reset).
/// Each person enrolled is told, by an email stored in the outbox in the same transaction as their
/// membership: which creator added them, as what, how to sign in, and a one-click leave link
/// (<see cref="ImportLeaveTokens"/>). The membership records when and from which file. An import
/// only ever adds a membership of this creator: nobody's account, nor what they have with other
/// creators, is changed.
/// </summary>
public sealed class MemberImportHandler(
    MembershipDbContext db,
    IDataProtectionProvider protection,
    ImportLeaveTokens leaveTokens,
    OutboxEmailSender outbox,
    TransactionalEmails emails,
    PublicLinks links,
    TimeProvider clock)
{
    public const int MaxRows = 10_000;

    /// <summary>The longest file name kept on the membership (longer ones are cut).</summary>
    public const int MaxFileName = 255;

    private readonly IDataProtector _protector = protection.CreateProtector("Membership.MemberImport.v1");

    public async Task<(ImportPreview? Preview, string? Error)> PreviewAsync(Creator creator, Stream csv, string? fileName, ImportRequest request, CancellationToken cancellationToken)
    {
        if (request.Kind is not ("free" or "complimentary"))
        {
            return (null, "Choose free or complimentary members.");
        }

        var tiers = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id && t.ArchivedAt == null).ToListAsync(cancellationToken);
        var chosenTier = request.TierId is { } id ? tiers.FirstOrDefault(t => t.Id == id) : null;
        if (request.TierId is not null && chosenTier is null)
        {
            return (null, "Choose one of your tiers.");
        }

        var parsed = new List<(int Line, string Email, string Name, string? Tier)>();
        string layout;
        using (var reader = new StreamReader(csv))
        using (var parser = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, MissingFieldFound = null, DetectDelimiter = true }))
        {
            if (!await parser.ReadAsync() || !parser.ReadHeader() || parser.HeaderRecord is not { } header)
            {
                return (null, "The file is empty or has no header row.");
            }

            var columns = header.Select(h => h.Trim().ToLowerInvariant()).ToList();
            int Column(params string[] names) => names.Select(n => columns.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
            var email = Column("email", "email address");
            if (email < 0)
            {
                return (null, "The header has no email column (looked for \"email\" and \"email address\").");
            }

            var name = Column("name", "full name", "display name");
            var tier = Column("tier", "plan");
            layout = columns.Contains("patron status") ? "Patreon" : columns.Contains("active_subscription") || columns.Contains("email_disabled") ? "Substack" : "Membership";
            if (layout == "Substack")
            {
                tier = -1; // Substack's plan is its own (monthly/yearly/comp), not one of our tiers
            }

            while (await parser.ReadAsync())
            {
                if (parsed.Count == MaxRows)
                {
                    return (null, $"At most {MaxRows:N0} rows per import; split the file.");
                }

                string Field(int index) => index >= 0 ? (parser.GetField(index) ?? "").Trim() : "";
                parsed.Add((parser.Parser.RawRow, Field(email), Field(name), tier >= 0 ? Field(tier) : null));
            }
        }

        var emails = parsed.Select(p => p.Email.ToUpperInvariant()).Where(e => e.Length > 0).Distinct().ToList();
        var existing = new Dictionary<string, MemberStatus>();
        foreach (var chunk in emails.Chunk(500))
        {
            foreach (var member in await db.Members.Where(m => m.CreatorId == creator.Id && chunk.Contains(m.User!.NormalizedEmail!))
                .Select(m => new { Email = m.User!.NormalizedEmail!, m.Status }).ToListAsync(cancellationToken))
            {
                existing[member.Email] = member.Status;
            }
        }

        var seen = new HashSet<string>();
        var rows = new List<ImportRow>();
        foreach (var (line, email, name, tierName) in parsed)
        {
            string? error = null;
            var normalized = email.ToUpperInvariant();
            Tier? tier = null;
            if (!IsEmail(email))
            {
                error = email.Length == 0 ? "No email." : $"\"{email}\" is not an email address.";
            }
            else if (!seen.Add(normalized))
            {
                error = "Duplicate: this email is on an earlier row.";
            }
            else if (existing.TryGetValue(normalized, out var status))
            {
                error = status == MemberStatus.Left ? "Stopped following you: not added back." : "Already one of your members.";
            }
            else if (request.Kind == "complimentary")
            {
                tier = chosenTier ?? (string.IsNullOrWhiteSpace(tierName) ? null : tiers.FirstOrDefault(t => string.Equals(t.Name, tierName.Trim(), StringComparison.OrdinalIgnoreCase)));
                if (tier is null)
                {
                    error = string.IsNullOrWhiteSpace(tierName) ? "No tier: choose one for all rows, or add a tier column." : $"Unknown tier \"{tierName}\".";
                }
            }

            rows.Add(new ImportRow(line, email, name.Length > 80 ? name[..80] : name, tierName, tier?.Id, error));
        }

        var valid = rows.Where(r => r.Error is null).Select(r => new SignedRow(r.Email, r.Name, r.TierId)).ToList();
        var token = valid.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(new SignedImport(creator.Id, request.Kind, valid, FileNameOf(fileName))));
        return (new ImportPreview(layout, request.Kind, rows, token), null);
    }

    /// <summary>Writes the previewed rows; returns how many members were added, or an error (nothing written).</summary>
    public async Task<(int Added, string? Error)> ConfirmAsync(Creator creator, string? token, CancellationToken cancellationToken)
    {
        SignedImport? import;
        try
        {
            import = token is null ? null : JsonSerializer.Deserialize<SignedImport>(_protector.Unprotect(token));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            import = null;
        }

        if (import is null || import.CreatorId != creator.Id)
        {
            return (0, "This import is not valid any more; upload the file again.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var added = 0;
        var staged = new List<OutboxEmail>();
        var tierNames = await db.Tiers.AsNoTracking().Where(t => t.CreatorId == creator.Id).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            added = 0;
            staged.Clear();
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var chunk in import.Rows.Chunk(500))
            {
                var normalized = chunk.Select(r => r.Email.ToUpperInvariant()).ToList();
                var users = await db.Users.Where(u => normalized.Contains(u.NormalizedEmail!)).ToDictionaryAsync(u => u.NormalizedEmail!, cancellationToken);
                var members = await db.Members.Where(m => m.CreatorId == creator.Id && normalized.Contains(m.User!.NormalizedEmail!))
                    .ToDictionaryAsync(m => m.UserId, cancellationToken);
                var enrolled = new List<(Member Member, AppUser User, bool NewAccount)>();
                foreach (var row in chunk)
                {
                    var key = row.Email.ToUpperInvariant();
                    var newAccount = false;
                    if (!users.TryGetValue(key, out var user))
                    {
                        newAccount = true;
                        user = new AppUser
                        {
                            UserName = row.Email, NormalizedUserName = key, Email = row.Email, NormalizedEmail = key,
                            DisplayName = row.Name.Length > 0 ? row.Name : row.Email.Split('@')[0], CreatedAt = now,
                            SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString("N"), LockoutEnabled = true,
                        };
                        db.Users.Add(user);
                        users[key] = user;
                    }

                    if (user.Id == creator.UserId || members.TryGetValue(user.Id, out var member))
                    {
                        // Became a member (or is the creator, or left) since the preview: leave them as they are.
                        continue;
                    }

                    if (member is null)
                    {
                        member = new Member { CreatorId = creator.Id, User = user, JoinedAt = now };
                        db.Members.Add(member);
                    }

                    member.Status = import.Kind == "complimentary" ? MemberStatus.Active : MemberStatus.Following;
                    member.TierId = import.Kind == "complimentary" ? row.TierId : member.TierId;
                    member.IsComplimentary = import.Kind == "complimentary";
                    member.PostEmails = true;
                    member.UpdatedAt = now;
                    member.ImportedAt = now;
                    member.ImportedFrom = import.FileName;
                    enrolled.Add((member, user, newAccount));
                    added++;
                }

                // The members first (the leave link names each by id), then their notices, in the same transaction.
                await db.SaveChangesAsync(cancellationToken);
                foreach (var (member, user, newAccount) in enrolled.Where(e => e.User.Email is not null))
                {
                    staged.Add(outbox.Stage(db, emails.ImportedMember(user.Email!, user.DisplayName, creator.DisplayName,
                        member.IsComplimentary && member.TierId is { } tierId ? tierNames.GetValueOrDefault(tierId) : null,
                        newAccount ? links.Absolute("/account/magic-link") : null,
                        links.Absolute($"/{creator.Handle}"), links.Absolute($"/email/leave/{Uri.EscapeDataString(leaveTokens.For(member.Id))}"))));
                }

                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        });
        outbox.Notify(staged);
        return (added, null);
    }

    /// <summary>The file's own name, without any folder a browser may send, cut to <see cref="MaxFileName"/>; null when none was given.</summary>
    private static string? FileNameOf(string? fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/')).Trim();
        return name.Length == 0 ? null : name.Length > MaxFileName ? name[..MaxFileName] : name;
    }

    private static bool IsEmail(string text) =>
        text.Length is > 3 and <= 256 && MailAddress.TryCreate(text, out var address) && address.Address == text && text.Contains('.', StringComparison.Ordinal);

    private sealed record SignedImport(int CreatorId, string Kind, List<SignedRow> Rows, string? FileName);

    private sealed record SignedRow(string Email, string Name, int? TierId);
}
