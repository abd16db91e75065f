using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Account;
using Membership.Web.Features.Billing;
using Membership.Web.Features.Creators;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Features.Posts;
using Membership.Web.Features.Memberships;
using Membership.Web.Features.SimulatedPayments;
using Membership.Web.Features.Tiers;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Caching;
using Membership.Web.Infrastructure.Commands;
using Membership.Web.Infrastructure.Database;
using Membership.Web.Infrastructure.Health;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Jobs;
using Membership.Web.Infrastructure.Security;
using Membership.Web.Infrastructure.Storage;
using Membership.Web.Infrastructure.Stripe;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Razor;

// The content root is the application's folder, not the current directory (SiteContentRoot).
var builder = WebApplication.CreateBuilder(SiteContentRoot.Options(args));
var configuration = builder.Configuration;
var environment = builder.Environment;
var security = configuration.GetSection("Security").Get<SecuritySettings>() ?? new SecuritySettings();
var requireHttps = security.RequireHttps ?? !environment.IsDevelopment();
var cookieSecurity = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
if (!environment.IsDevelopment() && string.IsNullOrWhiteSpace(configuration["App:BaseUrl"]) && !CommandLine.IsCommand(args))
{
    // Links in emails (sign-in, reset, unsubscribe) must never come from a request's Host header.
    throw new InvalidOperationException("Set App:BaseUrl to the site's public address (e.g. https://members.example.com); it is required outside Development.");
}

builder.Services.Configure<AppSettings>(configuration.GetSection("App"));
builder.Services.Configure<AdminSettings>(configuration.GetSection("Admin"));
builder.Services.Configure<SecuritySettings>(configuration.GetSection("Security"));
builder.Services.Configure<TierSettings>(configuration.GetSection("Tiers"));
builder.Services.Configure<UploadSettings>(configuration.GetSection("Uploads"));
builder.Services.Configure<BillingSettings>(configuration.GetSection("Billing"));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpContextAccessor();

builder.Services.AddMembershipDatabase(configuration, environment);
builder.Services.AddMembershipEmail(configuration, environment);
builder.Services.AddMembershipJobs(configuration, environment);
builder.Services.AddMembershipStripe(configuration);
if (string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]))
{
    // No Stripe keys: the built-in emulator takes the payments, started with the site.
    builder.Services.AddHostedService<EmulatorStartup>();
}
builder.Services.AddMembershipFileStorage(configuration, environment);
builder.Services.AddMembershipTelemetry(configuration, environment);

// Keys shared by every node through the database. New keys use AES-256-GCM: on Linux it protects
// in about half the time of the default AES-CBC with HMAC (each sign-in cookie, antiforgery
// token and unsubscribe link goes through it); keys made before keep their own algorithm, so
// what they protected still reads.
builder.Services.AddDataProtection()
    .SetApplicationName("Membership")
    .PersistKeysToDbContext<MembershipDbContext>()
    .UseCryptographicAlgorithms(new AuthenticatedEncryptorConfiguration { EncryptionAlgorithm = EncryptionAlgorithm.AES_256_GCM });

builder.Services.AddIdentity<AppUser, IdentityRole>(options =>
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
builder.Services.AddSingleton<DatabaseTicketStore>();
builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
    .Configure<DatabaseTicketStore>((options, store) => options.SessionStore = store);
builder.Services.AddScoped<SessionCleanup>();
builder.Services.Configure<IdentityPasskeyOptions>(options =>
{
    // Empty: the host the page was opened at (WebAuthn's relying-party id; an IP address cannot be one).
    options.ServerDomain = string.IsNullOrWhiteSpace(security.PasskeyDomain) ? null : security.PasskeyDomain.Trim();
});

builder.Services.ConfigureApplicationCookie(options =>
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
builder.Services.AddAntiforgery(options =>
{
    options.Cookie.Name = "membership.antiforgery";
    options.Cookie.HttpOnly = true;
    options.Cookie.SameSite = SameSiteMode.Strict;
    options.Cookie.SecurePolicy = cookieSecurity;
});
builder.Services.Configure<CookieTempDataProviderOptions>(options =>
{
    options.Cookie.Name = "membership.notice";
    options.Cookie.SecurePolicy = cookieSecurity;
});

builder.Services.AddControllersWithViews(options =>
{
    options.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
    // Every form's one-time key: a double click or a resent form does the work once.
    options.Filters.Add<Membership.Web.Infrastructure.Forms.SubmissionKeyFilter>();
    options.Filters.Add(new FormChecksFilter());
});
builder.Services.AddScoped<Membership.Web.Infrastructure.Forms.SubmissionKeyCleanup>();
builder.Services.Configure<RazorViewEngineOptions>(options =>
{
    // Feature folders: a controller's views sit beside it in Features/<Feature>/.
    options.ViewLocationFormats.Clear();
    options.ViewLocationFormats.Add("/Features/{feature}/{0}.cshtml");
    options.ViewLocationFormats.Add("/Features/Shared/{0}.cshtml");
    options.ViewLocationExpanders.Add(new FeatureFolders());
});
builder.Services.AddAuthRateLimiting(configuration);
builder.Services.AddPublicPageCache(configuration);
builder.Services.Configure<ForwardedHeadersOptions>(options =>
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
builder.Services.AddHealthChecks()
    .AddCheck<DatabaseHealthCheck>("database", tags: [HealthEndpoints.Ready])
    .AddCheck<SmtpHealthCheck>("smtp", tags: [HealthEndpoints.Ready])
    .AddCheck<StripeHealthCheck>("stripe", tags: [HealthEndpoints.Ready])
    .AddCheck<UploadStorageHealthCheck>("uploads", tags: [HealthEndpoints.Ready]);
builder.Services.Configure<FormOptions>(options => options.ValueCountLimit = 200);

builder.Services.AddScoped<PublicLinks>();
builder.Services.AddScoped<AccountEmails>();
builder.Services.AddScoped<AdminRole>();
builder.Services.AddScoped<SignUpHandler>();
builder.Services.AddScoped<SignInHandler>();
builder.Services.AddScoped<MagicLinkHandler>();
builder.Services.AddScoped<PasswordResetHandler>();
builder.Services.AddScoped<AccountSettingsHandler>();
builder.Services.AddScoped<AccountSessions>();
builder.Services.AddScoped<PasskeysHandler>();
builder.Services.AddScoped<PersonalDataHandler>();
builder.Services.AddSingleton<ReservedHandles>();
builder.Services.AddScoped<CreatorProfileHandler>();
builder.Services.AddScoped<CreatorPageQuery>();
builder.Services.AddScoped<FollowHandler>();
builder.Services.AddScoped<SaveTierHandler>();
builder.Services.AddScoped<TierCommands>();
builder.Services.AddSingleton<PostRenderer>();
builder.Services.AddScoped<Entitlement>();
builder.Services.AddScoped<PostReader>();
builder.Services.AddSingleton<SignedFileLinks>();
builder.Services.AddScoped<SavePostHandler>();
builder.Services.AddScoped<AttachmentsHandler>();
builder.Services.AddScoped<ScheduledPostPublisher>();
builder.Services.AddSingleton<UnsubscribeTokens>();
builder.Services.AddSingleton<Membership.Web.Features.Members.ImportLeaveTokens>();
builder.Services.AddSingleton<IDeliveryChannelFactory, DeliveryChannelFactory>();
builder.Services.AddScoped<RecordDeliveryHandler>();
builder.Services.AddScoped<DeliveryReportQuery>();
builder.Services.AddScoped<DeliveryResumer>();
builder.Services.AddTransient<PostDeliverySender>();
builder.Services.AddScoped<StripeCatalog>();
builder.Services.AddScoped<IStripeCatalogQueue, StripeCatalogJobs>();
builder.Services.AddScoped<SimulatedPaymentsQuery>();
builder.Services.AddScoped<ResumeMembership>();
builder.Services.AddScoped<YourMembershipsQuery>();
builder.Services.AddScoped<CurrentCreator>();
builder.Services.AddScoped<AdvanceSimulatedClock>();
builder.Services.AddScoped<JoinTier>();
builder.Services.AddScoped<JoinPageQuery>();
builder.Services.AddScoped<SubscriptionSync>();
builder.Services.AddScoped<Ledger>();
builder.Services.AddScoped<Payouts>();
builder.Services.AddScoped<StripeEventInbox>();
builder.Services.AddScoped<IStripeEventHandler, CheckoutCompletedHandler>();
builder.Services.AddScoped<IStripeEventHandler, SubscriptionChangedHandler>();
builder.Services.AddScoped<IStripeEventHandler, TrialWillEndHandler>();
builder.Services.AddScoped<IStripeEventHandler, InvoicePaidHandler>();
builder.Services.AddScoped<IStripeEventHandler, InvoicePaymentFailedHandler>();
builder.Services.AddScoped<IStripeEventHandler, ChargeRefundedHandler>();
builder.Services.AddScoped<IStripeEventHandler, AccountUpdatedHandler>();
builder.Services.AddSingleton<StripeEventProcessor>();
builder.Services.AddSingleton<Reconciliation>();
builder.Services.AddSingleton<RenewalReminders>();
builder.Services.AddScoped<TrialEndingEmails>();
builder.Services.AddScoped<CreatorMetrics>();
builder.Services.AddScoped<Membership.Web.Features.Metrics.DashboardQuery>();
builder.Services.AddSingleton<Membership.Web.Features.Reports.MonthlyReports>();
builder.Services.AddScoped<Membership.Web.Features.Members.ComplimentaryHandler>();
builder.Services.AddScoped<Membership.Web.Features.Members.RosterQuery>();
builder.Services.AddScoped<Membership.Web.Features.Members.MemberImportHandler>();
builder.Services.AddScoped<Membership.Web.Features.Members.LeaveImportHandler>();
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddScoped<DemoHistory>();

var app = builder.Build();

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(app, args);
}

if (configuration.GetValue("Database:MigrateOnStartup", true))
{
    await DatabaseSetup.MigrateAsync(app.Services);
}

JobsSetup.RegisterRecurringJobs(app.Services);
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

await app.RunAsync();
return 0;

/// <summary>The site's entry point; public so the integration tests can host it.</summary>
public partial class Program;
