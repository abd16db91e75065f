using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Membership.Web.Features.Members;

/// <summary>
/// The signed token in an import notice's leave link: it names the membership (one fan, one
/// creator) and cannot be forged or altered. Signed with the data-protection keys every node
/// shares, as the unsubscribe links are, with a purpose of its own (an unsubscribe token does not
/// open this page), and never expiring: the notice can be read long after the import.
/// </summary>
public sealed class ImportLeaveTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Membership.Members.ImportLeave.v1");

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
