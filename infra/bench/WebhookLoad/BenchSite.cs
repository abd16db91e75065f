using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Bench.WebhookLoad;

/// <summary>
/// The real site in-process, as the integration tests host it, but served by Kestrel on a free
/// 127.0.0.1 port (not TestServer), so requests cross the loopback socket and the whole HTTP stack.
/// A web-only node on a fresh SQLite file in a temp folder: a Stripe secret key and webhook secret
/// set (so the webhook verifies with the configured secret and the emulator never starts), and
/// Hangfire workers off (acceptance is measured; handling an event would call Stripe).
/// </summary>
internal sealed class BenchSite : WebApplicationFactory<global::Program>
{
    public const string WebhookSecret = "whsec_bench_0123456789abcdef0123456789abcdef";

    private readonly string _dataDirectory;

    public BenchSite(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    public string DatabasePath => Path.Combine(_dataDirectory, "bench.db");

    /// <summary>Starts Kestrel (migrating the database) and returns the address it listens on.</summary>
    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel reports no addresses.");
        return new Uri(addresses.Single());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = $"Data Source={DatabasePath}",
            ["App:DataDirectory"] = _dataDirectory,
            ["App:BaseUrl"] = "http://127.0.0.1",
            ["Security:RequireHttps"] = "false",
            ["Jobs:RunWorkers"] = "false",
            ["Stripe:SecretKey"] = "sk_test_bench",
            ["Stripe:WebhookSecret"] = WebhookSecret,
            // The benchmark prints its own figures; the site's warnings (and errors) still show.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            // "No XML encryptor configured": expected on a throwaway key ring.
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
            // The one deliberately tampered event (the signature check) would log a warning.
            ["Logging:LogLevel:Membership.Web.Features.Billing.StripeWebhookController"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
