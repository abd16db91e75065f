using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// A signed token naming one membership (one fan, one creator) for a link in an email: it cannot be
/// forged or altered, is signed with the data-protection keys every node shares, and never expires
/// (an email can be opened years later). Each kind of link has its own purpose, so a token made for
/// one kind opens no other.
/// </summary>
public abstract class SignedMemberTokens(IDataProtectionProvider provider, string purpose)
{
    private readonly IDataProtector _protector = provider.CreateProtector(purpose);

    public string For(int memberId) => _protector.Protect(memberId.ToString(CultureInfo.InvariantCulture));

    /// <summary>The membership the token names, or null when it is empty, too long, altered or made for another purpose.</summary>
    public int? MemberId(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 500)
        {
            return null;
        }

        try
        {
            return int.TryParse(_protector.Unprotect(token), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
