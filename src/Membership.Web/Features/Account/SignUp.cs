using System.ComponentModel.DataAnnotations;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

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

public sealed class ResendConfirmationRequest
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";
}

/// <summary>
/// Creates the account and stages its confirmation email in one transaction, so both are stored
/// or neither: a failure leaves no account that never got its email (the admin role, if due,
/// comes with confirmation). An address that already has an account gets the same page, and its
/// owner an email saying someone tried, after the same work (the password typed is hashed and
/// thrown away, one email stored), so sign-up tells nobody who has an account.
/// </summary>
public sealed class SignUpHandler(
    MembershipDbContext db,
    UserManager<AppUser> users,
    AccountEmails accountEmails,
    OutboxEmailSender outbox,
    IEmailSender sender,
    TimeProvider clock)
{
    public async Task<Errors> HandleAsync(SignUpRequest request, CancellationToken cancellationToken = default)
    {
        var email = request.Email.Trim();
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            await TellOwnerAsync(existing, request.Password, cancellationToken);
            return Errors.None;
        }

        IdentityResult created;
        OutboxEmail? staged = null;
        try
        {
            created = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                // A retried try (SQL Server's execution strategy) starts from nothing.
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var user = new AppUser
                {
                    UserName = email,
                    Email = email,
                    DisplayName = request.DisplayName.Trim(),
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                };
                var result = await users.CreateAsync(user, request.Password);
                if (result.Succeeded)
                {
                    staged = outbox.Stage(db, await accountEmails.ConfirmationAsync(user));
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                return result;
            });
        }
        catch (DbUpdateException)
        {
            // Two sign-ups with one new address at once: the unique index let one in. Any other
            // failure (no account under the address) is the caller's error page; nothing was kept.
            db.ChangeTracker.Clear();
            var winner = await users.FindByEmailAsync(email);
            if (winner is null)
            {
                throw;
            }

            await TellOwnerAsync(winner, request.Password, cancellationToken);
            return Errors.None;
        }

        if (!created.Succeeded)
        {
            if (created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")
                && await users.FindByEmailAsync(email) is { } taken)
            {
                await TellOwnerAsync(taken, request.Password, cancellationToken);
                return Errors.None;
            }

            return AccountRules.ToErrors(created);
        }

        outbox.Notify([staged!]);
        return Errors.None;
    }

    /// <summary>
    /// A new confirmation link for an unconfirmed account; an email saying what applies for a
    /// confirmed address or one without an account. Always one email, the same page.
    /// </summary>
    public async Task ResendConfirmationAsync(ResendConfirmationRequest request, CancellationToken cancellationToken = default)
    {
        var email = request.Email.Trim();
        var user = await users.FindByEmailAsync(email);
        var message = user is null ? accountEmails.NoAccount(email, AccountEmails.AskedForConfirmation)
            : user.EmailConfirmed ? accountEmails.AlreadyConfirmed(user)
            : await accountEmails.ConfirmationAsync(user);
        await sender.SendAsync(message, cancellationToken);
    }

    private async Task TellOwnerAsync(AppUser owner, string password, CancellationToken cancellationToken)
    {
        // As long as creating the account would have taken: the hash is most of it.
        _ = users.PasswordHasher.HashPassword(owner, password);
        await sender.SendAsync(accountEmails.AccountExists(owner), cancellationToken);
    }
}
