using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Membership.Data.SqlServer;

/// <summary>
/// Lets `dotnet ef` build the context for SqlServer without starting the site:
/// <c>dotnet ef migrations add NAME --project src/Membership.Data.SqlServer</c>.
/// The connection string is never opened for <c>migrations add</c> or <c>migrations script</c>.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<MembershipDbContext>
{
    public MembershipDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("MEMBERSHIP_DESIGN_CONNECTION")
            ?? "Server=localhost;Database=Membership;Trusted_Connection=True;TrustServerCertificate=True";
        var options = new DbContextOptionsBuilder<MembershipDbContext>();
        options.UseMembershipDatabase(DatabaseProvider.SqlServer, connectionString);
        return new MembershipDbContext(options.Options);
    }
}
