using Membership.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// The real site in-process on a fresh database (SQLite or PostgreSQL, see
/// <see cref="TestDatabase"/>), with mail written to its own pickup folder.
/// Settings can be overridden per factory, as an operator would in appsettings.
/// </summary>
public class MembershipFactory : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("membership-test-data-").FullName;

    public MembershipFactory()
    {
        Mailbox = new PickupMailbox(Path.Combine(_dataDirectory, "mail"));
    }

    public PickupMailbox Mailbox { get; }

    public DatabaseProvider Provider => _database.Provider;

    /// <summary>Settings layered over appsettings.json for this host.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = _database.Provider.ToString(),
            ["Database:ConnectionString"] = _database.ConnectionString,
            ["App:DataDirectory"] = _dataDirectory,
            ["App:BaseUrl"] = "http://localhost",
            ["Security:RequireHttps"] = "false",
            ["Security:AuthRateLimitPermits"] = "10000",
            // Tests run jobs themselves, at the moment they choose (Hangfire workers would race them).
            ["Jobs:RunWorkers"] = "false",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public TestBrowser CreateBrowser() => new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }), Mailbox);

    /// <summary>Runs <paramref name="action"/> with a fresh DbContext from the site's own container.</summary>
    public async Task<T> WithDbAsync<T>(Func<MembershipDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<MembershipDbContext>());
    }

    public async Task WithDbAsync(Func<MembershipDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<MembershipDbContext>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _database.Dispose();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }
}
