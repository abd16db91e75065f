using Membership.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// The real site in-process on a fresh database (SQLite or PostgreSQL, see
/// <see cref="TestDatabase"/>), with mail written to its own pickup folder.
/// Settings can be overridden per factory, as an operator would in appsettings.
/// </summary>
public class MembershipFactory : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("membership-test-data-").FullName;

    static MembershipFactory()
    {
        // Each host would watch its settings files and its wwwroot (an inotify instance apiece), and
        // a suite holds dozens of hosts at once: past the machine's limit (128 per user, shared
        // with anything else running) a host fails to start. Tests never change the files.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        // The same for the static files' version hashes (asp-append-version watches wwwroot): poll instead.
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "1");
    }

    public MembershipFactory()
        : this(null)
    {
    }

    /// <summary>A host on <paramref name="database"/> when given (a "restart" of an earlier host), else on a fresh one it owns.</summary>
    public MembershipFactory(TestDatabase? database, string? dataDirectory = null)
    {
        _ownsDatabase = database is null;
        _database = database ?? new TestDatabase();
        if (dataDirectory is not null)
        {
            _dataDirectory = dataDirectory;
        }

        Mailbox = new PickupMailbox(Path.Combine(_dataDirectory, "mail"));
    }

    public TestDatabase Database => _database;

    public string DataDirectory => _dataDirectory;

    /// <summary>Replaces the site's clock (set before the host starts).</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Settings set by the test (over <see cref="Settings"/>), e.g. the SMTP server's port.</summary>
    public IDictionary<string, string?> ExtraSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Service replacements for fault injection (applied after the site's own).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

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
            // Hangfire in memory: tests call the jobs; the shared-storage test sets Database.
            ["Jobs:Storage"] = "InMemory",
            // Many sites at once: each emulator on a port of its own.
            ["Stripe:EmulatorPort"] = "0",
            // Some tests run two hosts on one data folder (a crash and its successor): one emulator state each.
            ["Stripe:EmulatorStateDirectory"] = "",
        };
        foreach (var (key, value) in Settings.Concat(ExtraSettings))
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (Clock is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(Clock));
        }

        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
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
        if (disposing && _ownsDatabase)
        {
            _database.Dispose();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }
}
