using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Database;
using Membership.Web.Infrastructure.Jobs;
using Membership.Web.Infrastructure.Security;

namespace Membership.Web.Host;

/// <summary>
/// Operator commands run instead of the web server:
/// <c>migrate</c> applies pending migrations (and prepares Hangfire's tables and the first data-protection key); <c>seed-demo</c> migrates and adds the demo data.
/// </summary>
public static class CommandLine
{
    /// <summary>The commands' own services (the demo seeder and its history).</summary>
    public static IServiceCollection AddCommands(this IServiceCollection services)
    {
        services.AddScoped<DemoSeeder>();
        services.AddScoped<DemoHistory>();
        return services;
    }

    /// <summary><c>--members N --months M --seed S</c> after <c>seed-demo</c> (no members: no generated history).</summary>
    private static bool TryReadHistoryOptions(string[] args, out int members, out int months, out int seed, out string error)
    {
        members = 0;
        months = 36;
        seed = DemoHistory.DefaultSeed;
        error = "";
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : -1;
            switch (args[i])
            {
                case "--members" when value is >= 1 and <= 1_000_000:
                    members = value;
                    i++;
                    break;
                case "--months" when value is >= 1 and <= 120:
                    months = value;
                    i++;
                    break;
                case "--seed" when value >= 0:
                    seed = value;
                    i++;
                    break;
                default:
                    error = $"seed-demo: unexpected '{args[i]}'. Use seed-demo [--members N (1 to 1,000,000)] [--months M (1 to 120, default 36)] [--seed S (0 or more, default {DemoHistory.DefaultSeed})].";
                    return false;
            }
        }

        return true;
    }

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "migrate" or "seed-demo";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        switch (args[0])
        {
            case "migrate":
                await DatabaseSetup.MigrateAsync(app.Services);
                await JobsSetup.MigrateStorageAsync(app.Configuration, app.Environment);
                DataProtectionKeys.EnsureActiveKey(app.Services);
                Console.WriteLine("Database migrated.");
                return 0;
            case "seed-demo":
                if (!TryReadHistoryOptions(args, out var members, out var months, out var seed, out var error))
                {
                    Console.Error.WriteLine(error);
                    return 2;
                }

                await DatabaseSetup.MigrateAsync(app.Services);
                await JobsSetup.MigrateStorageAsync(app.Configuration, app.Environment);
                DataProtectionKeys.EnsureActiveKey(app.Services);
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
                    if (members > 0)
                    {
                        var fee = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PlatformSettings>>().Value.FeePercent;
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        var added = await scope.ServiceProvider.GetRequiredService<DemoHistory>().GenerateAsync(creator, members, months, fee, seed, CancellationToken.None);
                        Console.WriteLine($"Demo history: {added} fans over {months} months (seed {seed}) in {clock.Elapsed.TotalSeconds:0.0} s.");
                    }
                }

                Console.WriteLine($"""
                    Demo data ready.
                      Creator page: /{DemoSeeder.Handle}
                      Creator: {DemoSeeder.CreatorEmail} / {DemoSeeder.CreatorPassword}
                      Fan:     {DemoSeeder.FanEmail} / {DemoSeeder.FanPassword}
                    """);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown command '{args[0]}'. Commands: migrate, seed-demo.");
                return 2;
        }
    }
}
