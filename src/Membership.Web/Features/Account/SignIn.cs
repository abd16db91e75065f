using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Membership.Web.Features.Account;

public sealed class SignInRequest
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [Display(Name = "Keep me signed in")]
    public bool RememberMe { get; set; }

    public string? ReturnUrl { get; set; }
}

/// <summary>
/// Password sign-in; every failure counts towards the lockout. A failure gives one answer,
/// whatever the cause (no account, a wrong password, an unconfirmed address, a locked account),
/// after the same work (a password hash checked), so the form tells nobody who has an account
/// or in what state; the page's help covers each case.
/// </summary>
public sealed class SignInHandler(SignInManager<AppUser> signIn, UserManager<AppUser> users)
{
    public const string Refused = "That email and password do not match an account.";

    private static string? _standInHash;

    /// <summary>No errors when signed in.</summary>
    public async Task<Errors> HandleAsync(SignInRequest request)
    {
        var user = await users.FindByNameAsync(request.Email.Trim());
        var result = user is null
            ? SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, request.Password, request.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return Errors.None;
        }

        if (user is null || result.IsNotAllowed || result.IsLockedOut)
        {
            // Identity answered without checking the password (no account, unconfirmed, locked):
            // check it against a stand-in, so this failure takes as long as a wrong password.
            var standIn = new AppUser();
            _standInHash ??= users.PasswordHasher.HashPassword(standIn, Guid.NewGuid().ToString());
            users.PasswordHasher.VerifyHashedPassword(standIn, _standInHash, request.Password);
        }

        return new Errors().Add("", Refused);
    }
}
