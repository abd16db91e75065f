using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Membership.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Bench.DashboardLoad;

/// <summary>
/// The real site in-process, as the integration tests host it (MembershipFactory's settings), but
/// served by Kestrel on a free 127.0.0.1 port (not TestServer), so requests cross the loopback
/// socket and the whole HTTP stack. A web-only node (Hangfire workers off, jobs in memory) on the
/// given SQLite file. With a <see cref="SqlProfiler"/>, every database command is timed; a
/// <see cref="ServerTimer"/> times each request inside the site, from the first middleware on.
/// </summary>
internal sealed class BenchSite : WebApplicationFactory<global::Program>
{
    private readonly string _databasePath;
    private readonly string _dataDirectory;
    private readonly SqlProfiler? _profiler;
    private readonly ServerTimer? _timer;

    public BenchSite(string databasePath, string dataDirectory, SqlProfiler? profiler = null, ServerTimer? timer = null)
    {
        _databasePath = databasePath;
        _dataDirectory = dataDirectory;
        _profiler = profiler;
        _timer = timer;
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
            ["Database:ConnectionString"] = $"Data Source={_databasePath}",
            ["App:DataDirectory"] = _dataDirectory,
            ["App:BaseUrl"] = "http://127.0.0.1",
            ["Security:RequireHttps"] = "false",
            ["Security:AuthRateLimitPermits"] = "10000",
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

        builder.ConfigureTestServices(services =>
        {
            if (_profiler is not null)
            {
                services.ConfigureDbContext<MembershipDbContext>(db => db.AddInterceptors(_profiler));
            }

            if (_timer is not null)
            {
                services.AddSingleton<IStartupFilter>(_timer);
            }
        });
    }
}

/// <summary>
/// Times each request inside the site: from the first middleware until the pipeline returns (the
/// body written to Kestrel), for requests that carry an <c>X-Bench-Id</c> header.
/// </summary>
internal sealed class ServerTimer : IStartupFilter
{
    public const string Header = "X-Bench-Id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<double>> _times = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (HttpContext context, RequestDelegate following) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await following(context);
            }
            finally
            {
                if (context.Request.Headers.TryGetValue(Header, out var id) && id.Count == 1)
                {
                    Slot(id[0]!).TrySetResult(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        });
        next(app);
    };

    /// <summary>The site's time for request <paramref name="id"/> (its pipeline may finish just after the client read the body).</summary>
    public async Task<double?> TakeAsync(string id)
    {
        var slot = Slot(id);
        var done = await Task.WhenAny(slot.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        _times.TryRemove(id, out _);
        return done == slot.Task ? slot.Task.Result : null;
    }

    private TaskCompletionSource<double> Slot(string id) =>
        _times.GetOrAdd(id, _ => new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously));
}
