using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Account;

/// <summary>
/// Who gets the admin role: an address in <c>Admin:Emails</c>, or the first account to confirm
/// its email on a site with no confirmed admin. Granted at confirmation, not at sign-up, so a bot
/// that signs up first with an address it does not own cannot take the site.
/// </summary>
public sealed class AdminRole(UserManager<AppUser> users, RoleManager<IdentityRole> roles, IOptions<AdminSettings> settings)
{
    public async Task GrantIfDueAsync(AppUser user)
    {
        if (!user.EmailConfirmed || await users.IsInRoleAsync(user, Roles.Admin))
        {
            return;
        }

        var listed = settings.Value.Emails.Contains(user.Email, StringComparer.OrdinalIgnoreCase);
        var siteHasAdmin = await roles.RoleExistsAsync(Roles.Admin)
            && (await users.GetUsersInRoleAsync(Roles.Admin)).Any(admin => admin.EmailConfirmed);
        if (!listed && siteHasAdmin)
        {
            return;
        }

        if (!await roles.RoleExistsAsync(Roles.Admin))
        {
            await roles.CreateAsync(new IdentityRole(Roles.Admin));
        }

        await users.AddToRoleAsync(user, Roles.Admin);
    }
}
