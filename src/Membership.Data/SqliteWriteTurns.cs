namespace Membership.Data;

/// <summary>
/// SQLite has one writer per database file. Writers of one process that collide are handled by
/// SQLite's busy handler, which sleeps (1, 2, 5, 10 … ms) before trying again, so under load they
/// lose more time sleeping than writing. The hot write paths (the webhook inbox, the email
/// sender's "mark sent") take turns on this gate instead; other databases need no such turn.
/// </summary>
public static class SqliteWriteTurns
{
    public static readonly SemaphoreSlim Gate = new(1, 1);
}
