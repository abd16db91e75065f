using Membership.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Membership.Web.Features.Account;

/// <summary>One row of "Passkeys" in settings; <see cref="Id"/> is the credential id, base64url.</summary>
public sealed record PasskeyRow(string Id, string Name, DateTimeOffset CreatedAt);

public enum PasskeyAddOutcome
{
    Added,
    Refused,
}

/// <summary>
/// Passkeys through Identity's own WebAuthn support: the browser asks for options (the challenge
/// is kept in Identity's short-lived cookie), makes the credential, and posts it back in a form;
/// Identity verifies it and the store keeps the public key. Every lookup is the account's own.
/// </summary>
public sealed class PasskeysHandler(UserManager<AppUser> users, SignInManager<AppUser> signIn)
{
    public const int NameMaxLength = 50;

    public async Task<IReadOnlyList<PasskeyRow>> ListAsync(AppUser user) =>
        (await users.GetPasskeysAsync(user))
            .OrderBy(p => p.CreatedAt)
            .Select(p => new PasskeyRow(WebEncoders.Base64UrlEncode(p.CredentialId), p.Name ?? "Passkey", p.CreatedAt))
            .ToList();

    /// <summary>The WebAuthn creation options (JSON) for a new passkey on this account.</summary>
    public Task<string> CreationOptionsAsync(AppUser user) =>
        signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = user.Id,
            Name = user.Email ?? user.UserName ?? user.Id,
            DisplayName = user.DisplayName,
        });

    /// <summary>Verifies the credential the browser made and keeps it under <paramref name="name"/>.</summary>
    public async Task<PasskeyAddOutcome> AddAsync(AppUser user, string? credentialJson, string? name)
    {
        if (string.IsNullOrWhiteSpace(credentialJson))
        {
            return PasskeyAddOutcome.Refused;
        }

        PasskeyAttestationResult attestation;
        try
        {
            attestation = await signIn.PerformPasskeyAttestationAsync(credentialJson);
        }
        catch (InvalidOperationException)
        {
            // No ceremony underway: the form was sent without asking for options, or its state expired.
            return PasskeyAddOutcome.Refused;
        }

        // The options were made for this account; a credential made for another one is refused.
        if (!attestation.Succeeded || attestation.UserEntity.Id != user.Id)
        {
            return PasskeyAddOutcome.Refused;
        }

        var passkey = attestation.Passkey;
        var trimmed = name?.Trim() ?? "";
        passkey.Name = trimmed.Length == 0 ? "Passkey" : trimmed.Length > NameMaxLength ? trimmed[..NameMaxLength] : trimmed;
        var stored = await users.AddOrUpdatePasskeyAsync(user, passkey);
        return stored.Succeeded ? PasskeyAddOutcome.Added : PasskeyAddOutcome.Refused;
    }

    /// <summary>Removes one of the account's passkeys; false when it has none with that id.</summary>
    public async Task<bool> RemoveAsync(AppUser user, string? id)
    {
        byte[] credentialId;
        try
        {
            credentialId = WebEncoders.Base64UrlDecode(id ?? "");
        }
        catch (FormatException)
        {
            return false;
        }

        if (credentialId.Length == 0 || await users.GetPasskeyAsync(user, credentialId) is null)
        {
            return false;
        }

        return (await users.RemovePasskeyAsync(user, credentialId)).Succeeded;
    }

    /// <summary>The WebAuthn request options (JSON) for signing in with any passkey kept here.</summary>
    public Task<string> RequestOptionsAsync() => signIn.MakePasskeyRequestOptionsAsync(null);

    /// <summary>Signs in with the passkey the browser used (a server-side session like any other sign-in).</summary>
    public async Task<bool> SignInAsync(string? credentialJson)
    {
        if (string.IsNullOrWhiteSpace(credentialJson))
        {
            return false;
        }

        try
        {
            return (await signIn.PasskeySignInAsync(credentialJson)).Succeeded;
        }
        catch (InvalidOperationException)
        {
            // No ceremony underway: the form was sent without asking for options, or its state expired.
            return false;
        }
    }
}
