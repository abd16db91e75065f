using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Membership.Web.Features.Account;

public sealed class ProfileRequest
{
    [Display(Name = "Your name")]
    [Required(ErrorMessage = "Enter your name.")]
    [StringLength(80, ErrorMessage = "Keep your name under 80 characters.")]
    public string DisplayName { get; set; } = "";
}

public sealed class ChangePasswordRequest
{
    [Display(Name = "Current password")]
    [Required(ErrorMessage = "Enter your current password.")]
    [DataType(DataType.Password)]
    public string CurrentPassword { get; set; } = "";

    [Display(Name = "New password")]
    [Required(ErrorMessage = "Choose a new password.")]
    [StringLength(128, MinimumLength = AccountRules.PasswordMinLength, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string NewPassword { get; set; } = "";
}

public sealed class AccountSettingsViewModel
{
    public string Email { get; set; } = "";

    public bool HasPassword { get; set; }

    public ProfileRequest Profile { get; set; } = new();

    public ChangePasswordRequest Password { get; set; } = new();

    /// <summary>The account's signed-in browsers, this one first.</summary>
    public IReadOnlyList<SessionRow> Sessions { get; set; } = [];

    public IReadOnlyList<PasskeyRow> Passkeys { get; set; } = [];
}

/// <summary>The signed-in user's own settings: name, password, passkeys and sessions.</summary>
public sealed class AccountSettingsHandler(UserManager<AppUser> users, SignInManager<AppUser> signIn, AccountSessions sessions, PasskeysHandler passkeys)
{
    /// <param name="currentSession">The session this request came with (marked "this one").</param>
    public async Task<AccountSettingsViewModel> LoadAsync(AppUser user, Guid? currentSession) => new()
    {
        Email = user.Email ?? "",
        HasPassword = await users.HasPasswordAsync(user),
        Profile = new ProfileRequest { DisplayName = user.DisplayName },
        Sessions = await sessions.ListAsync(user.Id, currentSession),
        Passkeys = await passkeys.ListAsync(user),
    };

    public async Task<Errors> UpdateProfileAsync(AppUser user, ProfileRequest request)
    {
        user.DisplayName = request.DisplayName.Trim();
        var result = await users.UpdateAsync(user);
        return result.Succeeded ? Errors.None : AccountRules.ToErrors(result);
    }

    /// <summary>Changes the password and ends every other session (a thief's among them); this one stays signed in.</summary>
    public async Task<Errors> ChangePasswordAsync(AppUser user, ChangePasswordRequest request, Guid? currentSession)
    {
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword, request.NewPassword);
        if (!result.Succeeded)
        {
            var errors = new Errors();
            foreach (var error in result.Errors)
            {
                if (error.Code == "PasswordMismatch")
                {
                    errors.Add("Password.CurrentPassword", "Your current password is not right.");
                }
                else
                {
                    errors.Add("Password.NewPassword", error.Description);
                }
            }

            return errors;
        }

        await sessions.EndOthersAsync(user.Id, currentSession);
        // The new security stamp into this session's ticket, so its next check keeps it.
        await signIn.RefreshSignInAsync(user);
        return Errors.None;
    }
}
