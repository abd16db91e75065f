using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// The signed token in each member's unsubscribe link: it names the membership (one fan, one
/// creator) and cannot be forged or altered. Signed with the data-protection keys every node
/// shares, and never expiring, since an email can be opened years later.
/// </summary>
public sealed class UnsubscribeTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Membership.PostEmails.Unsubscribe.v1");

    public string For(int memberId) => _protector.Protect(memberId.ToString(CultureInfo.InvariantCulture));

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
