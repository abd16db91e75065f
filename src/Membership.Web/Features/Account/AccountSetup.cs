using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace Membership.Web.Features.Account;

/// <summary>Accounts: Identity with its rules, sign-ins kept in the database, passkeys, and the account handlers.</summary>
public static class AccountSetup
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, SecuritySettings security, CookieSecurePolicy cookieSecurity)
    {
        services.AddIdentity<AppUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedEmail = true;
                options.Password.RequiredLength = AccountRules.PasswordMinLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = security.LockoutMaxFailedAttempts;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(security.LockoutMinutes);
            })
            .AddEntityFrameworkStores<MembershipDbContext>()
            .AddDefaultTokenProviders();

        // Sign-ins live in the database (DatabaseTicketStore): the cookie holds only a key, so signing out
        // (here, or from settings on another device) ends the sign-in on every node at once.
        services.AddSingleton<DatabaseTicketStore>();
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<DatabaseTicketStore>((options, store) => options.SessionStore = store);
        services.AddScoped<SessionCleanup>();
        services.Configure<IdentityPasskeyOptions>(options =>
        {
            // Empty: the host the page was opened at (WebAuthn's relying-party id; an IP address cannot be one).
            options.ServerDomain = string.IsNullOrWhiteSpace(security.PasskeyDomain) ? null : security.PasskeyDomain.Trim();
        });

        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "membership.auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = cookieSecurity;
            options.LoginPath = "/account/sign-in";
            options.LogoutPath = "/account/sign-out";
            options.AccessDeniedPath = "/account/access-denied";
            options.ExpireTimeSpan = TimeSpan.FromDays(security.SessionDays);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = async context =>
            {
                // A cookie holding its whole sign-in (made before sessions were kept in the database)
                // cannot be listed or ended from settings: it is refused once, and the person signs in again.
                if (DatabaseTicketStore.CurrentSessionId(context.HttpContext) is null)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }

                await SecurityStampValidator.ValidatePrincipalAsync(context);
            };
        });

        services.AddScoped<AccountEmails>();
        services.AddScoped<AdminRole>();
        services.AddScoped<SignUpHandler>();
        services.AddScoped<SignInHandler>();
        services.AddScoped<MagicLinkHandler>();
        services.AddScoped<PasswordResetHandler>();
        services.AddScoped<AccountSettingsHandler>();
        services.AddScoped<AccountSessions>();
        services.AddScoped<PasskeysHandler>();
        services.AddScoped<PersonalDataHandler>();
        return services;
    }
}
