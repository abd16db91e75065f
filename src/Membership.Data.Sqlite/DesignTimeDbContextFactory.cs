using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Membership.Data.Sqlite;

/// <summary>
/// Lets `dotnet ef` build the context for Sqlite without starting the site:
/// <c>dotnet ef migrations add NAME --project src/Membership.Data.Sqlite</c>.
/// The connection string is never opened for <c>migrations add</c> or <c>migrations script</c>.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<MembershipDbContext>
{
    public MembershipDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("MEMBERSHIP_DESIGN_CONNECTION")
            ?? "Data Source=design-time.db";
        var options = new DbContextOptionsBuilder<MembershipDbContext>();
        options.UseMembershipDatabase(DatabaseProvider.Sqlite, connectionString);
        return new MembershipDbContext(options.Options);
    }
}
