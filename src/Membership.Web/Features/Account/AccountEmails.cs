using System.Text;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Membership.Web.Features.Account;

/// <summary>Sends the emails that carry an Identity token (confirm address, reset password).</summary>
public sealed class AccountEmails(UserManager<AppUser> users, EmailTemplates templates, IEmailSender sender, PublicLinks links)
{
    public async Task SendConfirmationAsync(AppUser user)
    {
        var token = Encode(await users.GenerateEmailConfirmationTokenAsync(user));
        var link = links.Absolute($"account/confirm-email?userId={Uri.EscapeDataString(user.Id)}&code={token}");
        await sender.SendAsync(templates.ConfirmEmail(user.Email!, user.DisplayName, link));
    }

    public async Task SendPasswordResetAsync(AppUser user)
    {
        var token = Encode(await users.GeneratePasswordResetTokenAsync(user));
        var link = links.Absolute($"account/reset-password?email={Uri.EscapeDataString(user.Email!)}&code={token}");
        await sender.SendAsync(templates.PasswordReset(user.Email!, user.DisplayName, link));
    }

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
}
