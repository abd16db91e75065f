using Microsoft.EntityFrameworkCore;

namespace Membership.Data;

/// <summary>The databases the site runs on, chosen by the <c>Database:Provider</c> setting.</summary>
public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

/// <summary>Points a <see cref="MembershipDbContext"/> at a provider and that provider's migrations project.</summary>
public static class DatabaseProviderExtensions
{
    public static string MigrationsAssembly(this DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "Membership.Data.Sqlite",
        DatabaseProvider.SqlServer => "Membership.Data.SqlServer",
        DatabaseProvider.PostgreSql => "Membership.Data.PostgreSql",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
    };

    public static DbContextOptionsBuilder UseMembershipDatabase(
        this DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        var migrations = provider.MigrationsAssembly();
        return provider switch
        {
            DatabaseProvider.Sqlite => options.UseSqlite(connectionString, o => o.MigrationsAssembly(migrations)).AddInterceptors(new SqlitePragmas()),
            DatabaseProvider.SqlServer => options.UseSqlServer(connectionString, o => o.MigrationsAssembly(migrations).EnableRetryOnFailure()),
            DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString, o => o.MigrationsAssembly(migrations)),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown database provider."),
        };
    }
}
