using Membership.Data;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure.Forms;
using Membership.Web.Infrastructure.Health;
using Membership.Web.Infrastructure.Jobs;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Membership.Web.Infrastructure.Web;

/// <summary>The web host around the features: settings, keys, MVC with its filters and feature folders, cookies, proxies, health, and the request pipeline.</summary>
public static class WebSetup
{
    public static IServiceCollection AddMembershipWeb(this IServiceCollection services, IConfiguration configuration, SecuritySettings security, CookieSecurePolicy cookieSecurity)
    {
        services.Configure<AppSettings>(configuration.GetSection("App"));
        services.Configure<AdminSettings>(configuration.GetSection("Admin"));
        services.Configure<SecuritySettings>(configuration.GetSection("Security"));
        services.Configure<TierSettings>(configuration.GetSection("Tiers"));
        services.Configure<UploadSettings>(configuration.GetSection("Uploads"));
        services.Configure<BillingSettings>(configuration.GetSection("Billing"));
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddScoped<PublicLinks>();
        services.AddScoped<CurrentCreator>();

        // Keys shared by every node through the database. New keys use AES-256-GCM: on Linux it protects
        // in about half the time of the default AES-CBC with HMAC (each sign-in cookie, antiforgery
        // token and unsubscribe link goes through it); keys made before keep their own algorithm, so
        // what they protected still reads.
        services.AddDataProtection()
            .SetApplicationName("Membership")
            .PersistKeysToDbContext<MembershipDbContext>()
            .UseCryptographicAlgorithms(new AuthenticatedEncryptorConfiguration { EncryptionAlgorithm = EncryptionAlgorithm.AES_256_GCM });

        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "membership.antiforgery";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = cookieSecurity;
        });
        services.Configure<CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.Name = "membership.notice";
            options.Cookie.SecurePolicy = cookieSecurity;
        });

        services.AddControllersWithViews(options =>
        {
            options.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
            // Every form's one-time key: a double click or a resent form does the work once.
            options.Filters.Add<SubmissionKeyFilter>();
            options.Filters.Add(new FormChecksFilter());
        });
        services.AddScoped<SubmissionKeyCleanup>();
        services.Configure<RazorViewEngineOptions>(options =>
        {
            // Feature folders: a controller's views sit beside it in Features/<Feature>/.
            options.ViewLocationFormats.Clear();
            options.ViewLocationFormats.Add("/Features/{feature}/{0}.cshtml");
            options.ViewLocationFormats.Add("/Features/Shared/{0}.cshtml");
            options.ViewLocationExpanders.Add(new FeatureFolders());
        });
        services.AddAuthRateLimiting(configuration);
        services.AddPublicPageCache(configuration);
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Behind a reverse proxy, trust X-Forwarded-For/-Proto from the listed proxies only, so the
            // rate limiter sees each client's address and HTTPS is known to be HTTPS.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var proxy in security.KnownProxies)
            {
                options.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [HealthEndpoints.Ready])
            .AddCheck<SmtpHealthCheck>("smtp", tags: [HealthEndpoints.Ready])
            .AddCheck<StripeHealthCheck>("stripe", tags: [HealthEndpoints.Ready])
            .AddCheck<UploadStorageHealthCheck>("uploads", tags: [HealthEndpoints.Ready]);
        services.Configure<FormOptions>(options => options.ValueCountLimit = 200);
        return services;
    }

    /// <summary>The request pipeline, in its order: proxies, errors, HTTPS, headers, static files, sign-in, cache, endpoints.</summary>
    public static WebApplication UseMembershipPipeline(this WebApplication app, bool requireHttps, SecuritySettings security)
    {
        app.WarnWhenListeningOnPlainHttp(requireHttps, security);
        if (security.KnownProxies.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = "/error",
                // A form over the limits is a 400 and a database in trouble a 503, with the reason (HomeController.Error).
                StatusCodeSelector = exception => RequestFailures.Classify(exception)?.StatusCode ?? StatusCodes.Status500InternalServerError,
                // The visitor's bad input is not the site's error: not logged as one (a database in trouble still is).
                SuppressDiagnosticsCallback = context => RequestFailures.Classify(context.Exception) is { StatusCode: < 500 },
            });
        }

        if (requireHttps)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseSecurityHeaders();
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        // A session the database could not read is that request's 503, not a signed-out visitor.
        app.Use(async (context, next) =>
        {
            DatabaseTicketStore.ThrowIfSessionUnreadable(context);
            await next();
        });
        app.UseAuthorization();
        // After authentication: the cache serves and stores anonymous requests only (AnonymousPagePolicy).
        app.UseOutputCache();
        app.MapJobsDashboard();
        app.MapHealthEndpoints();
        app.MapControllers();
        return app;
    }
}
