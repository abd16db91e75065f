using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Account;

public sealed class SignUpRequest
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    [StringLength(254)]
    public string Email { get; set; } = "";

    [Display(Name = "Your name")]
    [Required(ErrorMessage = "Enter your name.")]
    [StringLength(80, ErrorMessage = "Keep your name under 80 characters.")]
    public string DisplayName { get; set; } = "";

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(128, MinimumLength = AccountRules.PasswordMinLength, ErrorMessage = "Use at least 10 characters.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    public string? ReturnUrl { get; set; }
}

/// <summary>Creates the account, makes it admin when it should be, and sends the confirmation email.</summary>
public sealed class SignUpHandler(
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<AdminSettings> adminSettings,
    AccountEmails accountEmails,
    TimeProvider clock)
{
    public async Task<Errors> HandleAsync(SignUpRequest request)
    {
        var email = request.Email.Trim();
        // The first person to sign up on a fresh site runs it (seeded demo accounts are not admins).
        var siteHasAdmin = await roles.RoleExistsAsync(Roles.Admin) && (await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0;
        var user = new AppUser
        {
            UserName = email,
            Email = email,
            DisplayName = request.DisplayName.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, request.Password);
        if (!created.Succeeded)
        {
            return AccountRules.ToErrors(created);
        }

        var adminEmails = adminSettings.Value.Emails;
        if (!siteHasAdmin || adminEmails.Contains(email, StringComparer.OrdinalIgnoreCase))
        {
            if (!await roles.RoleExistsAsync(Roles.Admin))
            {
                await roles.CreateAsync(new IdentityRole(Roles.Admin));
            }

            await users.AddToRoleAsync(user, Roles.Admin);
        }

        await accountEmails.SendConfirmationAsync(user);
        return Errors.None;
    }
}
