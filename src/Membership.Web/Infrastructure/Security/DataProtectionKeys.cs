using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// The first data-protection key (sign-in cookies, antiforgery tokens, unsubscribe links) is
/// made by the <c>migrate</c> command. Nodes that start together on a database without one each
/// make their own, and a node reads the others' keys only when its key ring refreshes (daily, or
/// in the first minutes after start): the scale test saw a fan's cookie from one node refused by
/// another three minutes later. Later keys are made ahead of their activation by the nodes
/// themselves, which is how ASP.NET Core shares them.
/// </summary>
public static class DataProtectionKeys
{
    /// <summary>Makes a key active from now unless one is active already; true when it made one.</summary>
    public static bool EnsureActiveKey(IServiceProvider services)
    {
        var manager = services.GetRequiredService<IKeyManager>();
        var now = DateTimeOffset.UtcNow;
        if (manager.GetAllKeys().Any(key => !key.IsRevoked && key.ActivationDate <= now && key.ExpirationDate > now))
        {
            return false;
        }

        var lifetime = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.NewKeyLifetime;
        manager.CreateNewKey(now, now + lifetime);
        return true;
    }
}
