using System.Globalization;
using System.Security.Cryptography;
using Membership.Web.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Posts;

/// <summary>
/// The signed, expiring links a post email carries to its paid post's images and files, for
/// mail programs that open them without the site's cookie. A token names one membership, one
/// file and an end time, signed with the data-protection keys every node shares, so it cannot be
/// altered or moved to another file. It only says who the link was sent to: opening it still asks
/// <see cref="Entitlement"/> about that member now, so a forwarded link dies with the membership.
/// The end time is read from the site's clock (not the data-protection one) and is part of the
/// signed text.
/// </summary>
public sealed class SignedFileLinks(IDataProtectionProvider provider, IOptions<UploadSettings> settings, TimeProvider clock)
{
    /// <summary>The query parameter that carries the token on a file's usual address.</summary>
    public const string QueryName = "access";

    private readonly IDataProtector _protector = provider.CreateProtector("Membership.Posts.SignedFileLinks.v1");

    /// <summary>When a link signed now stops opening: <c>Uploads:EmailLinkDays</c> from now (1 to 365).</summary>
    public DateTimeOffset ExpiryFromNow() => clock.GetUtcNow().AddDays(Math.Clamp(settings.Value.EmailLinkDays, 1, 365));

    public string Token(int memberId, int attachmentId, DateTimeOffset expiresAt) => _protector.Protect(string.Create(
        CultureInfo.InvariantCulture, $"{memberId}.{attachmentId}.{expiresAt.ToUnixTimeSeconds()}"));

    /// <summary>The site-relative address of the file with the member's token.</summary>
    public string Path(string handle, string slug, int memberId, int attachmentId, DateTimeOffset expiresAt) =>
        $"{PostFileLinks.Path(handle, slug, attachmentId)}?{QueryName}={Token(memberId, attachmentId, expiresAt)}";

    /// <summary>The member the token was signed for, if it is genuine, names <paramref name="attachmentId"/> and has not ended.</summary>
    public SignedFileCheck Check(string? token, int attachmentId)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 500)
        {
            return SignedFileCheck.Invalid;
        }

        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return SignedFileCheck.Invalid;
        }

        var parts = payload.Split('.');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var memberId)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var signedAttachmentId)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || signedAttachmentId != attachmentId)
        {
            return SignedFileCheck.Invalid;
        }

        return clock.GetUtcNow().ToUnixTimeSeconds() >= expires
            ? new SignedFileCheck(SignedLinkProblem.Expired, null)
            : new SignedFileCheck(SignedLinkProblem.None, memberId);
    }
}

/// <summary>Why a signed file link does not open (as the refusal page says it).</summary>
public enum SignedLinkProblem
{
    None,

    /// <summary>Altered, cut short, signed for another file, or not ours: 403.</summary>
    Invalid,

    /// <summary>Genuine but past its end: 410.</summary>
    Expired,

    /// <summary>Genuine, but the member it was sent to may not read the post now: 403.</summary>
    NotEntitled,

    /// <summary>The file was removed from the post: 404.</summary>
    Gone,
}

/// <summary>The outcome of <see cref="SignedFileLinks.Check"/>: the member when the token holds.</summary>
public sealed record SignedFileCheck(SignedLinkProblem Problem, int? MemberId)
{
    public static readonly SignedFileCheck Invalid = new(SignedLinkProblem.Invalid, null);
}
