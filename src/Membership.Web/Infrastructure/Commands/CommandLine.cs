using Membership.Web.Infrastructure.Database;

namespace Membership.Web.Infrastructure.Commands;

/// <summary>
/// Operator commands run instead of the web server:
/// <c>migrate</c> applies pending migrations; <c>seed-demo</c> migrates and adds the demo data.
/// </summary>
public static class CommandLine
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "migrate" or "seed-demo";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        switch (args[0])
        {
            case "migrate":
                await DatabaseSetup.MigrateAsync(app.Services);
                Console.WriteLine("Database migrated.");
                return 0;
            case "seed-demo":
                await DatabaseSetup.MigrateAsync(app.Services);
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
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
