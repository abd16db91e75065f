using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;

namespace Membership.Web.Features.Members;

/// <summary>
/// The signed token in an import notice's leave link (see <see cref="SignedMemberTokens"/>): its own
/// purpose, so an unsubscribe token does not open this page.
/// </summary>
public sealed class ImportLeaveTokens(IDataProtectionProvider provider)
    : SignedMemberTokens(provider, "Membership.Members.ImportLeave.v1");
