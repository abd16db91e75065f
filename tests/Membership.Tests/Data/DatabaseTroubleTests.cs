using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Membership.Data;
using Membership.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Membership.Tests.Data;

/// <summary>A database that is locked or cannot be reached: 503, Retry-After and "nothing was saved", never a 500; readiness says so meanwhile.</summary>
public sealed class DatabaseTroubleTests
{
    private const string NothingSaved = "Nothing was saved; please try again in a moment.";

    [Fact]
    public async Task FormPost_DatabaseCannotBeOpened_503RetryAfterNothingSaved_ReadinessUnhealthyUntilBack()
    {
        var outage = new DatabaseOutage();
        await using var site = new MembershipFactory { TestServices = services => services.AddSingleton<IInterceptor>(outage) };
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        var form = await browser.FormAsync("/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Saved in an outage"));

        outage.Down = true;
        var page = await browser.PostAsync("/creator/tiers/new", form);
        var json = await browser.GetAsync("/creator/dashboard/metrics.json");
        var readyDuring = await browser.GetAsync("/healthz/ready");
        outage.Down = false;
        var readyAfter = await browser.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Status);
        Assert.Equal(TimeSpan.FromSeconds(5), page.Response.Headers.RetryAfter?.Delta);
        Assert.Contains(NothingSaved, page.Text);
        Assert.DoesNotContain("Something went wrong", page.Text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, json.Status);
        Assert.NotNull(json.Response.Headers.RetryAfter);
        using (var body = JsonDocument.Parse(json.Html))
        {
            Assert.Equal(NothingSaved, body.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuring.Status);
        using (var body = JsonDocument.Parse(readyDuring.Html))
        {
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, readyAfter.Status);
        Assert.Equal(0, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
        var again = await browser.SubmitAsync("/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Saved after it"));
        Assert.Equal(HttpStatusCode.Redirect, again.Status);
    }

    [Fact]
    public async Task FormPost_TableLockedPastTheWait_503RetryAfterNothingSaved()
    {
        using var database = new TestDatabase();
        // The site waits one second for a lock instead of thirty (SQLite: the busy handler and
        // Microsoft.Data.Sqlite's own retries; PostgreSQL: lock_timeout).
        var connectionString = database.Provider == DatabaseProvider.Sqlite
            ? database.ConnectionString + ";Default Timeout=1"
            : database.ConnectionString + ";Options=-c lock_timeout=1000";
        await using var site = new MembershipFactory(database)
        {
            ExtraSettings = { ["Database:ConnectionString"] = connectionString },
            TestServices = services => services.AddSingleton<IInterceptor>(new ShortBusyTimeout()),
        };
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        var form = await browser.FormAsync("/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Saved while locked"));

        Page page;
        await using (var blocker = await LockAsync(database))
        {
            page = await browser.PostAsync("/creator/tiers/new", form);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Status);
        Assert.NotNull(page.Response.Headers.RetryAfter);
        Assert.Contains(NothingSaved, page.Text);
        Assert.Equal(0, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task PageRequest_PostgreSqlServerNotListening_503WithRetryAfter()
    {
        await using var down = new MembershipFactory
        {
            ExtraSettings =
            {
                ["Database:Provider"] = "PostgreSql",
                ["Database:ConnectionString"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Database=none;Timeout=2",
                ["Database:MigrateOnStartup"] = "false",
            },
        };
        using var browser = down.CreateBrowser();

        var page = await browser.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Status);
        Assert.NotNull(page.Response.Headers.RetryAfter);
        Assert.Contains(NothingSaved, page.Text);
    }

    /// <summary>Holds the write lock (SQLite) or a lock on the tiers table (PostgreSQL) until disposed (unpooled, so disposing ends it).</summary>
    private static async Task<DbConnection> LockAsync(TestDatabase database)
    {
        DbConnection connection = database.Provider == DatabaseProvider.Sqlite
            ? new SqliteConnection(database.ConnectionString + ";Pooling=False")
            : new NpgsqlConnection(database.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = database.Provider == DatabaseProvider.Sqlite
            ? "BEGIN IMMEDIATE"
            : "BEGIN; LOCK TABLE \"Tiers\" IN ACCESS EXCLUSIVE MODE";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Fault seam: while <see cref="Down"/>, opening a connection fails as it does when the database cannot be reached.</summary>
    private sealed class DatabaseOutage : DbConnectionInterceptor
    {
        public volatile bool Down;

        public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
            Down ? throw Failure(connection) : result;

        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            Down ? throw Failure(connection) : ValueTask.FromResult(result);

        private static Exception Failure(DbConnection connection) => connection is SqliteConnection
            ? new SqliteException("SQLite Error 14: 'unable to open database file' (test outage).", 14)
            : new NpgsqlException("Failed to connect to the server (test outage)", new SocketException((int)SocketError.ConnectionRefused));
    }

    /// <summary>SQLite's busy handler waits 100 ms instead of the site's 30 s (set after the site's own pragmas).</summary>
    private sealed class ShortBusyTimeout : DbConnectionInterceptor
    {
        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (connection is SqliteConnection)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA busy_timeout=100;";
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (connection is SqliteConnection)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA busy_timeout=100;";
                command.ExecuteNonQuery();
            }
        }
    }
}
