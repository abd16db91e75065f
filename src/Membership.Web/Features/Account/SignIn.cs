using System.ComponentModel.DataAnnotations;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

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

/// <summary>How a password sign-in went, so the page can say what to do next.</summary>
public enum SignInOutcome
{
    SignedIn,
    WrongCredentials,
    LockedOut,
    EmailNotConfirmed,
}

/// <summary>Password sign-in; every failure counts towards the lockout.</summary>
public sealed class SignInHandler(SignInManager<AppUser> signIn, IOptions<SecuritySettings> security)
{
    public async Task<(SignInOutcome Outcome, Errors Errors)> HandleAsync(SignInRequest request)
    {
        var result = await signIn.PasswordSignInAsync(request.Email.Trim(), request.Password, request.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return (SignInOutcome.SignedIn, Errors.None);
        }

        if (result.IsLockedOut)
        {
            return (SignInOutcome.LockedOut, new Errors().Add("",
                $"Too many failed attempts: this account is locked for {security.Value.LockoutMinutes} minutes. " +
                "You can still sign in with an email link, or reset your password."));
        }

        if (result.IsNotAllowed)
        {
            return (SignInOutcome.EmailNotConfirmed, new Errors().Add("",
                "Confirm your email address first: follow the link we sent you, or ask for a new one below."));
        }

        return (SignInOutcome.WrongCredentials, new Errors().Add("", "That email and password do not match an account."));
    }
}
