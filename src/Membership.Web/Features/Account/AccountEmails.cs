using System.Text;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Membership.Web.Features.Account;

/// <summary>
/// The account emails, built here and stored by the caller through the outbox: those carrying an
/// Identity token (confirm address, reset password), and the answers to a form whose address is
/// not in the state the form supposes (sign-up with an address that has an account, a sign-in
/// link for one that has none). Each account form sends exactly one email to the address typed,
/// whatever that address's state, so its page, status and time tell nobody who has an account.
/// </summary>
public sealed class AccountEmails(UserManager<AppUser> users, EmailTemplates templates, PublicLinks links)
{
    /// <summary>What the person asked for, as the "no account" email names it.</summary>
    public const string AskedForSignInLink = "a sign-in link";
    public const string AskedForPasswordReset = "a link to choose a new password";
    public const string AskedForConfirmation = "a new confirmation link";

    public async Task<EmailMessage> ConfirmationAsync(AppUser user)
    {
        var token = Encode(await users.GenerateEmailConfirmationTokenAsync(user));
        var link = links.Absolute($"account/confirm-email?userId={Uri.EscapeDataString(user.Id)}&code={token}");
        return templates.ConfirmEmail(user.Email!, user.DisplayName, link);
    }

    public async Task<EmailMessage> PasswordResetAsync(AppUser user)
    {
        var token = Encode(await users.GeneratePasswordResetTokenAsync(user));
        var link = links.Absolute($"account/reset-password?email={Uri.EscapeDataString(user.Email!)}&code={token}");
        return templates.PasswordReset(user.Email!, user.DisplayName, link);
    }

    /// <summary>To the owner, when someone signs up with an address that already has an account.</summary>
    public EmailMessage AccountExists(AppUser user) =>
        templates.Render("account-exists", user.Email!, OwnerValues(user));

    /// <summary>To the owner, when a new confirmation link is asked for an address already confirmed.</summary>
    public EmailMessage AlreadyConfirmed(AppUser user) =>
        templates.Render("already-confirmed", user.Email!, OwnerValues(user));

    /// <summary>To an address without an account that asked for <paramref name="askedFor"/> (one of the <c>AskedFor</c> constants).</summary>
    public EmailMessage NoAccount(string email, string askedFor) =>
        templates.Render("no-account", email, new Dictionary<string, string>
        {
            ["request"] = askedFor,
            ["signup"] = links.Absolute("account/sign-up"),
        });

    public static string Encode(string token) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));

    public static string? Decode(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private Dictionary<string, string> OwnerValues(AppUser user) => new()
    {
        ["name"] = user.DisplayName,
        ["signin"] = links.Absolute("account/sign-in"),
        ["reset"] = links.Absolute("account/forgot-password"),
    };
}
