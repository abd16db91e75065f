using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;

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

/// <summary>Creates the account and sends the confirmation email (the admin role, if due, comes with confirmation).</summary>
public sealed class SignUpHandler(UserManager<AppUser> users, AccountEmails accountEmails, TimeProvider clock)
{
    public async Task<Errors> HandleAsync(SignUpRequest request)
    {
        var email = request.Email.Trim();
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

        await accountEmails.SendConfirmationAsync(user);
        return Errors.None;
    }
}
