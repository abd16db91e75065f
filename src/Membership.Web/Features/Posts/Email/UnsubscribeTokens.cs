using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;

namespace Membership.Web.Features.Posts.Email;

/// <summary>The signed token in each member's unsubscribe link (see <see cref="SignedMemberTokens"/>).</summary>
public sealed class UnsubscribeTokens(IDataProtectionProvider provider)
    : SignedMemberTokens(provider, "Membership.PostEmails.Unsubscribe.v1");
