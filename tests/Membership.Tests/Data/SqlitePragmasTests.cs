using Membership.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Data;

/// <summary>
/// The SQLite settings hold on every open: on a new connection, on one the pool hands back, and
/// on a new one after the pool let its connections go (the settings are made once per SQLite connection).
/// </summary>
public sealed class SqlitePragmasTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("membership-pragmas-").FullName;

    [Fact]
    public async Task EveryOpen_HasTheSettings_NewPooledAndAfterThePoolIsCleared()
    {
        var connectionString = $"Data Source={Path.Combine(_directory, "pragmas.db")}";
        var builder = new DbContextOptionsBuilder<MembershipDbContext>();
        builder.UseMembershipDatabase(DatabaseProvider.Sqlite, connectionString);
        var options = builder.Options;

        var seen = new List<(long Synchronous, long BusyTimeout, long MmapSize)>();
        for (var open = 0; open < 4; open++)
        {
            if (open == 2)
            {
                SqliteConnection.ClearAllPools();
            }

            await using var db = new MembershipDbContext(options);
            await db.Database.OpenConnectionAsync();
            seen.Add((await PragmaAsync(db, "synchronous"), await PragmaAsync(db, "busy_timeout"), await PragmaAsync(db, "mmap_size")));
        }

        // synchronous=NORMAL is 1 (SQLite's default for a file is FULL, 2); the busy timeout's default is 0.
        Assert.All(seen, settings => Assert.Equal((1L, 30000L, 1073741824L), settings));
    }

    private static async Task<long> PragmaAsync(MembershipDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
