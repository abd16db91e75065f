using Membership.Data;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Database;

/// <summary>Reads the database settings, registers the context and applies migrations.</summary>
public static class DatabaseSetup
{
    public static IServiceCollection AddMembershipDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = configuration.GetSection("Database").Get<DatabaseSettings>() ?? new DatabaseSettings();
        var connectionString = ResolveConnectionString(settings, configuration, environment);
        // Pooled: a request leases a ready context instead of building one (its options, services
        // and model set-up), measured by infra/bench/pages. Safe because MembershipDbContext keeps no
        // state of its own between saves: what SaveChangesAsync adds to the monthly totals and the
        // members' names is collected into locals of that call (MonthlyTotalsUpkeep, MemberNames),
        // and EF resets the change tracker and its switches (e.g. DemoHistory's
        // AutoDetectChangesEnabled) when a lease ends. Interceptors registered in the container
        // join every context (tests use one to take the database away); with a pool they come from
        // the root container, so they must be singletons, as they are.
        services.AddDbContextPool<MembershipDbContext>((provider, options) => options
            .UseMembershipDatabase(settings.Provider, connectionString)
            // REVIEW: a failed command or save is not an error by itself: the site expects some (a
            // duplicate webhook, two first joins at once, a version conflict) and handles them; one it
            // does not expect surfaces as the exception, which whoever catches it logs at error level
            // (the request's exception handler, Hangfire), with the provider's message inside.
            .ConfigureWarnings(w => w.Log(
                (Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandError, LogLevel.Debug),
                (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.OptimisticConcurrencyException, LogLevel.Debug)))
            .AddInterceptors(provider.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
        return services;
    }

    /// <summary>The connection string in force; for SQLite with none set, a file in the data folder (created here).</summary>
    public static string ResolveConnectionString(DatabaseSettings settings, IConfiguration configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return settings.ConnectionString;
        }

        if (settings.Provider != DatabaseProvider.Sqlite)
        {
            throw new InvalidOperationException(
                $"Database:ConnectionString is required when Database:Provider is {settings.Provider}.");
        }

        var dataDirectory = DataDirectory(configuration, environment);
        return $"Data Source={Path.Combine(dataDirectory, "membership.db")}";
    }

    /// <summary>The absolute data folder (<c>App:DataDirectory</c>), created if missing.</summary>
    public static string DataDirectory(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration["App:DataDirectory"];
        var path = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? "data" : configured, environment.ContentRootPath);
        Directory.CreateDirectory(path);
        return path;
    }

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseSetup));
        if (db.Database.IsSqlite())
        {
            // Readers never wait for the writer, and commits are cheap (see SqlitePragmas). Persistent in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            logger.LogInformation("Database schema is up to date");
            return;
        }

        logger.LogInformation("Applying {Count} migrations: {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
    }
}
