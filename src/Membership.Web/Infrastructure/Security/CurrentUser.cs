using System.Security.Claims;

namespace Membership.Web.Infrastructure.Security;

public static class CurrentUser
{
    /// <summary>The signed-in user's id; only call behind [Authorize].</summary>
    public static string Id(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No signed-in user.");

    public static string? IdOrNull(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier);
}
