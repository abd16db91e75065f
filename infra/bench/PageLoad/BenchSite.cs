using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Bench.PageLoad;

/// <summary>
/// The real site in-process, as the integration tests host it, but served by Kestrel on a free
/// 127.0.0.1 port (not TestServer), so wrk's requests cross the loopback socket and the whole HTTP
/// stack. A web-only node (Hangfire workers off, jobs in memory) on a fresh SQLite file in a temp
/// folder, with the site's own defaults for everything the benchmark measures (caching included).
/// </summary>
internal sealed class BenchSite : WebApplicationFactory<global::Program>
{
    private readonly string _dataDirectory;

    public BenchSite(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

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
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(_dataDirectory, "bench.db")}",
            ["App:DataDirectory"] = _dataDirectory,
            ["App:BaseUrl"] = "http://127.0.0.1",
            ["Security:RequireHttps"] = "false",
            ["Jobs:RunWorkers"] = "false",
            ["Jobs:Storage"] = "InMemory",
            // The benchmark prints its own figures; the site's warnings (and errors) still show.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            // "No XML encryptor configured": expected on a throwaway key ring.
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
