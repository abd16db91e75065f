using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Membership.Data;

/// <summary>
/// SQLite settings per connection. The database runs in WAL mode (set once by the migrator);
/// with WAL, <c>synchronous=NORMAL</c> is still crash-safe for the database and saves an fsync
/// on every commit, which is what lets the email sender mark each message sent as it goes.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    // mmap: reads of a large file come from the OS page cache instead of SQLite's small per-connection
    // cache (the dashboard's aggregates over a 100,000-member history read hundreds of MB).
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA mmap_size=1073741824;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
