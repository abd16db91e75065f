using Membership.Web.Features.Account;
using Membership.Web.Features.Billing;
using Membership.Web.Features.Creators;
using Membership.Web.Features.Home;
using Membership.Web.Features.Members;
using Membership.Web.Features.Memberships;
using Membership.Web.Features.Metrics;
using Membership.Web.Features.Posts;
using Membership.Web.Features.Reports;
using Membership.Web.Features.SimulatedPayments;
using Membership.Web.Features.Tiers;
using Membership.Web.Host;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Database;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Jobs;
using Membership.Web.Infrastructure.Storage;
using Membership.Web.Infrastructure.Stripe;
using Membership.Web.Infrastructure.Telemetry;
using Membership.Web.Infrastructure.Web;

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

builder.Services
    .AddMembershipWeb(configuration, security, cookieSecurity)
    .AddMembershipDatabase(configuration, environment)
    .AddMembershipEmail(configuration, environment)
    .AddMembershipJobs(configuration, environment)
    .AddMembershipStripe(configuration)
    .AddMembershipFileStorage(configuration, environment)
    .AddMembershipTelemetry(configuration, environment);
if (string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]))
{
    // No Stripe keys: the built-in emulator takes the payments, started with the site.
    builder.Services.AddHostedService<EmulatorStartup>();
}

builder.Services.AddDomain()
    .AddHome()
    .AddAccounts(security, cookieSecurity)
    .AddCreators()
    .AddTiers()
    .AddPosts()
    .AddBilling()
    .AddMembers()
    .AddMemberships()
    .AddDashboard()
    .AddReports()
    .AddSimulatedPayments()
    .AddCommands();

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
app.UseMembershipPipeline(requireHttps, security);
await app.RunAsync();
return 0;

/// <summary>The site's entry point; public so the integration tests can host it.</summary>
public partial class Program;
