using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Account;

public sealed class MagicLinkRequest
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";

    public string? ReturnUrl { get; set; }
}

/// <summary>
/// Password-less sign-in, as Ghost members use: a one-time link by email. The answer is the
/// same whether or not the address has an account (one without gets an email saying so), after
/// the same work (one save holding the email, and the token it carries), so the form tells
/// nobody who is a user.
/// </summary>
public sealed class MagicLinkHandler(
    MembershipDbContext db,
    UserManager<AppUser> users,
    EmailTemplates templates,
    AccountEmails accountEmails,
    OutboxEmailSender outbox,
    PublicLinks links,
    IOptions<SecuritySettings> security,
    TimeProvider clock)
{
    public async Task SendAsync(MagicLinkRequest request)
    {
        var email = request.Email.Trim();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            var answer = outbox.Stage(db, accountEmails.NoAccount(email, AccountEmails.AskedForSignInLink));
            await db.SaveChangesAsync();
            outbox.Notify([answer]);
            return;
        }

        var token = AddToken(user);
        var returnUrl = string.IsNullOrEmpty(request.ReturnUrl) ? "" : $"&returnUrl={Uri.EscapeDataString(request.ReturnUrl)}";
        var link = links.Absolute($"account/magic?token={token}{returnUrl}");
        // The token and the email carrying it are stored together, or neither.
        var staged = outbox.Stage(db, templates.MagicLink(user.Email!, user.DisplayName, link, security.Value.MagicLinkMinutes));
        await db.SaveChangesAsync();
        outbox.Notify([staged]);
    }

    /// <summary>
    /// A sign-in token for <paramref name="user"/> without an email, for the page that just proved
    /// the address is theirs (a confirmed email): its button signs them in, once, within the
    /// link's lifetime. A mail scanner that opens the confirmation link only gets the page.
    /// </summary>
    public async Task<string> IssueAsync(AppUser user)
    {
        var token = AddToken(user);
        await db.SaveChangesAsync();
        return token;
    }

    /// <summary>A new token for <paramref name="user"/>, its hash added to the context (saved by the caller); the token itself.</summary>
    private string AddToken(AppUser user)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        db.MagicLinkTokens.Add(new MagicLinkToken
        {
            UserId = user.Id,
            TokenHash = Hash(token),
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(security.Value.MagicLinkMinutes),
        });
        return token;
    }

    /// <summary>
    /// Spends the token: the user it belongs to, or null when it is unknown, used or expired.
    /// The conditional update makes two clicks on one link sign in at most once.
    /// </summary>
    public async Task<AppUser?> RedeemAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 100)
        {
            return null;
        }

        var hash = Hash(token);
        var now = clock.GetUtcNow().UtcDateTime;
        var spent = await db.MagicLinkTokens
            .Where(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.UsedAt, now));
        if (spent != 1)
        {
            return null;
        }

        var userId = await db.MagicLinkTokens.Where(t => t.TokenHash == hash).Select(t => t.UserId).SingleAsync();
        var user = await users.FindByIdAsync(userId);
        if (user is not null && !user.EmailConfirmed)
        {
            // The click proves the address is theirs.
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }

        return user;
    }

    private static string Hash(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
