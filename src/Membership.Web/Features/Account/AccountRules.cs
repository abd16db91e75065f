using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace Membership.Web.Features.Account;

/// <summary>The account rules shared by sign-up, reset and password change.</summary>
public static class AccountRules
{
    /// <summary>Length over composition rules (NIST 800-63B): 10 characters, nothing else required.</summary>
    public const int PasswordMinLength = 10;

    /// <summary>Identity's errors, put on the form field they are about.</summary>
    public static Errors ToErrors(IdentityResult result)
    {
        var errors = new Errors();
        foreach (var error in result.Errors)
        {
            var field = error.Code switch
            {
                "DuplicateUserName" or "DuplicateEmail" or "InvalidEmail" or "InvalidUserName" => "Email",
                _ when error.Code.StartsWith("Password", StringComparison.Ordinal) => "Password",
                "InvalidToken" => "",
                _ => "",
            };
            var message = error.Code switch
            {
                "DuplicateUserName" or "DuplicateEmail" => "An account with this email already exists. Sign in, or reset your password.",
                "InvalidToken" => "This link has expired or was already used. Ask for a new one.",
                _ => error.Description,
            };
            if (!errors.Items.Contains((field, message)))
            {
                errors.Add(field, message);
            }
        }

        return errors;
    }
}
