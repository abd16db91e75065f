using System.Globalization;
using Membership.Data;
using Membership.Web.Features.Posts.Email;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Membership.Bench.EmailFanout;

/// <summary>
/// The real site in-process, as the integration tests host it: a fresh SQLite file in a temp
/// folder, Hangfire workers off (the benchmark runs the sending job itself), and SMTP pointed at
/// the sink on loopback. With a <see cref="Profiler"/>, DB commands and channel sends are timed.
/// </summary>
internal sealed class BenchSite(BenchOptions options, string dataDirectory, Profiler? profiler) : WebApplicationFactory<global::Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(dataDirectory, "bench.db")}",
            ["App:DataDirectory"] = dataDirectory,
            ["App:BaseUrl"] = "http://localhost",
            ["Security:RequireHttps"] = "false",
            ["Jobs:RunWorkers"] = "false",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = options.Port.ToString(CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None",
            ["Email:Smtp:Connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
            ["Email:Smtp:TimeoutSeconds"] = "30",
            ["Email:Delivery:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
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

        if (profiler is not null)
        {
            builder.ConfigureTestServices(services =>
            {
                services.ConfigureDbContext<MembershipDbContext>(db => db.AddInterceptors(profiler.Commands));
                services.RemoveAll<IDeliveryChannelFactory>();
                services.AddSingleton<IDeliveryChannelFactory>(provider =>
                    profiler.Channels(ActivatorUtilities.CreateInstance<DeliveryChannelFactory>(provider)));
            });
        }
    }
}
