using Membership.Data;
using Npgsql;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// The database a test host runs on, chosen by MEMBERSHIP_TEST_DATABASE (Sqlite, the default,
/// or PostgreSql with MEMBERSHIP_TEST_POSTGRES pointing at a server). Each instance is a fresh,
/// empty database, so every host migrates from nothing.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string? _sqliteDirectory;
    private readonly string? _postgresServer;

    public TestDatabase()
    {
        Provider = Enum.Parse<DatabaseProvider>(Environment.GetEnvironmentVariable("MEMBERSHIP_TEST_DATABASE") ?? "Sqlite", ignoreCase: true);
        switch (Provider)
        {
            case DatabaseProvider.Sqlite:
                _sqliteDirectory = Directory.CreateTempSubdirectory("membership-test-db-").FullName;
                ConnectionString = $"Data Source={Path.Combine(_sqliteDirectory, "membership.db")}";
                break;
            case DatabaseProvider.PostgreSql:
                _postgresServer = Environment.GetEnvironmentVariable("MEMBERSHIP_TEST_POSTGRES")
                    ?? throw new InvalidOperationException("Set MEMBERSHIP_TEST_POSTGRES to a PostgreSQL server connection string (infra/test.sh does).");
                var builder = new NpgsqlConnectionStringBuilder(_postgresServer) { Database = $"membership_test_{Guid.NewGuid():N}" };
                ConnectionString = builder.ConnectionString;
                break;
            default:
                throw new NotSupportedException($"Tests do not run on {Provider}.");
        }
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_sqliteDirectory is not null && Directory.Exists(_sqliteDirectory))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_sqliteDirectory, recursive: true);
        }

        if (_postgresServer is not null)
        {
            NpgsqlConnection.ClearAllPools();
            var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_postgresServer) { Database = "postgres" }.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            command.ExecuteNonQuery();
        }
    }
}
