using Membership.Data;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Membership.Tests.Data;

public sealed class MigrationTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task Startup_EmptyDatabase_AppliesEveryMigration()
    {
        _ = site.Server; // starting the host migrates the fresh database

        var (applied, pending, all) = await site.WithDbAsync(async db => (
            (await db.Database.GetAppliedMigrationsAsync()).ToList(),
            (await db.Database.GetPendingMigrationsAsync()).ToList(),
            db.Database.GetMigrations().ToList()));

        Assert.NotEmpty(all);
        Assert.Equal(all, applied);
        Assert.Empty(pending);
        Assert.Equal(site.Provider.MigrationsAssembly(), await site.WithDbAsync(db => Task.FromResult(db.GetService<IMigrationsAssembly>().Assembly.GetName().Name)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "Data Source=unused.db")]
    [InlineData(DatabaseProvider.SqlServer, "Server=unused;Database=unused;TrustServerCertificate=True")]
    [InlineData(DatabaseProvider.PostgreSql, "Host=unused;Database=unused")]
    public void Model_EveryProvider_HasNoPendingChangesAndSameMigrationNames(DatabaseProvider provider, string connectionString)
    {
        using var db = Context(provider, connectionString);

        Assert.False(db.Database.HasPendingModelChanges(), $"{provider}: the model has changes without a migration (run infra/add-migration.sh NAME)");
        using var sqlite = Context(DatabaseProvider.Sqlite, "Data Source=unused.db");
        Assert.Equal(sqlite.Database.GetMigrations(), db.Database.GetMigrations());
    }

    private static MembershipDbContext Context(DatabaseProvider provider, string connectionString)
    {
        var options = new DbContextOptionsBuilder<MembershipDbContext>();
        options.UseMembershipDatabase(provider, connectionString);
        return new MembershipDbContext(options.Options);
    }
}
