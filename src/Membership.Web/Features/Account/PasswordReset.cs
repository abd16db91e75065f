using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;

namespace Membership.Web.Features.Account;

public sealed class ForgotPasswordRequest
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";
}

public sealed class ResetPasswordRequest
{
    [Required]
    public string Email { get; set; } = "";

    [Required]
    public string Code { get; set; } = "";

    [Display(Name = "New password")]
    [Required(ErrorMessage = "Choose a new password.")]
    [StringLength(128, MinimumLength = AccountRules.PasswordMinLength, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";
}

/// <summary>
/// Forgot / reset password. Like the magic link, the forgot form never reveals whether an account
/// exists: either way it stores one email (the reset link, or "no account uses this address").
/// The reset token is not stored (Identity signs it), so the email is the only write. A reset
/// ends every session of the account.
/// </summary>
public sealed class PasswordResetHandler(UserManager<AppUser> users, AccountEmails accountEmails, IEmailSender sender, AdminRole adminRole, AccountSessions sessions)
{
    public async Task SendAsync(ForgotPasswordRequest request)
    {
        var email = request.Email.Trim();
        var user = await users.FindByEmailAsync(email);
        var message = user is null
            ? accountEmails.NoAccount(email, AccountEmails.AskedForPasswordReset)
            : await accountEmails.PasswordResetAsync(user);
        await sender.SendAsync(message);
    }

    public async Task<Errors> ResetAsync(ResetPasswordRequest request)
    {
        var invalid = new Errors().Add("", "This reset link has expired or was already used. Ask for a new one.");
        var user = await users.FindByEmailAsync(request.Email.Trim());
        var token = AccountEmails.Decode(request.Code);
        if (user is null || token is null)
        {
            return invalid;
        }

        var result = await users.ResetPasswordAsync(user, token, request.Password);
        if (!result.Succeeded)
        {
            return AccountRules.ToErrors(result);
        }

        // Following the link proves the mailbox is theirs: confirm it and lift any lockout.
        if (!user.EmailConfirmed)
        {
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }

        // Whoever knew the old password may be signed in somewhere: every session ends.
        await sessions.EndOthersAsync(user.Id, keep: null);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await adminRole.GrantIfDueAsync(user);
        return Errors.None;
    }
}
