using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Membership.Data;

/// <summary>
/// SQLite settings per connection. The database runs in WAL mode (set once by the migrator);
/// with WAL, <c>synchronous=NORMAL</c> is still crash-safe for the database and saves an fsync
/// on every commit, which is what lets the email sender mark each message sent as it goes.
/// </summary>
/// <remarks>
/// The settings belong to SQLite's connection, which Microsoft.Data.Sqlite's pool keeps open
/// between uses: they are set the first time a pooled connection is opened, not on every open
/// (three statements to prepare on every request otherwise; measured with infra/bench/pages).
/// </remarks>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    // mmap: reads of a large file come from the OS page cache instead of SQLite's small per-connection
    // cache (the dashboard's aggregates over a 100,000-member history read hundreds of MB).
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA mmap_size=1073741824;";

    // SQLite's own connections (Microsoft.Data.Sqlite's handles) already set up; an entry goes
    // when the pool closes its connection and the handle is collected.
    private static readonly ConditionalWeakTable<object, object> Configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsNew(connection, out var handle))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
            Configured.TryAdd(handle, handle);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (IsNew(connection, out var handle))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            Configured.TryAdd(handle, handle);
        }
    }

    private static bool IsNew(DbConnection connection, out object handle)
    {
        handle = ((SqliteConnection)connection).Handle!;
        return !Configured.TryGetValue(handle, out _);
    }
}
