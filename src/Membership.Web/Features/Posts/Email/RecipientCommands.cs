using System.Data;
using System.Data.Common;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// The two statements a delivery runs once per recipient, written as plain SQL on the context's
/// own connection: recording the recipients (multi-row INSERTs) and marking one sent (a reused
/// UPDATE, committed in groups by <see cref="SentMarks"/>). Through the change tracker and LINQ
/// they cost more than the sending: recording 10,000 recipients took ~0.8 s on SQLite (each row
/// tracked, one statement each, its key read back) and a mark ~0.2 ms of translation and set-up
/// each. Table and column names come from the EF model, so the SQL follows the mapping on every
/// provider.
/// </summary>
internal sealed class RecipientCommands
{
    /// <summary>
    /// Rows per INSERT (two parameters each). SQLite finds each parameter by name in a list, so
    /// binding a statement costs the square of its parameter count: at 500 rows, recording 10,000
    /// recipients took ~60 % longer. Far under SQL Server's 2,100-parameter limit.
    /// </summary>
    private const int RowsPerStatement = 100;

    private readonly IEntityType _entity;
    private readonly StoreObjectIdentifier _table;
    private readonly ISqlGenerationHelper _sql;

    private RecipientCommands(MembershipDbContext db)
    {
        _entity = db.Model.FindEntityType(typeof(EmailRecipient))!;
        _table = StoreObjectIdentifier.Table(_entity.GetTableName()!, _entity.GetSchema());
        _sql = db.GetService<ISqlGenerationHelper>();
    }

    private string Table => _sql.DelimitIdentifier(_table.Name, _table.Schema);

    private string Column(string property) => _sql.DelimitIdentifier(_entity.FindProperty(property)!.GetColumnName(_table)!);

    /// <summary>Writes the delivery's recipients as Pending, inside the caller's transaction.</summary>
    public static async Task InsertAsync(MembershipDbContext db, int deliveryId, IReadOnlyList<(int MemberId, string Email)> recipients, CancellationToken cancellationToken)
    {
        var names = new RecipientCommands(db);
        var head = $"INSERT INTO {names.Table} ({names.Column(nameof(EmailRecipient.DeliveryId))}, {names.Column(nameof(EmailRecipient.MemberId))}, "
            + $"{names.Column(nameof(EmailRecipient.Email))}, {names.Column(nameof(EmailRecipient.Status))}, {names.Column(nameof(EmailRecipient.Attempts))}) VALUES ";
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Recipients are written inside the delivery's transaction.");
        for (var start = 0; start < recipients.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, recipients.Count - start);
            await using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            var text = new StringBuilder(head, head.Length + count * 32);
            Add(command, "@d", deliveryId);
            Add(command, "@s", nameof(RecipientStatus.Pending));
            for (var i = 0; i < count; i++)
            {
                var (memberId, email) = recipients[start + i];
                text.Append(i == 0 ? "(" : ", (").Append($"@d, @m{i}, @e{i}, @s, 0)");
                Add(command, $"@m{i}", memberId);
                Add(command, $"@e{i}", email);
            }

            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The "mark sent" statement of one delivery run, made once on a connection of its own and
    /// run for each message the server accepted (see <see cref="SentMarks"/>). Opens the
    /// context's connection and keeps it open for the run.
    /// </summary>
    public static async Task<SentMarks> PrepareSentMarksAsync(MembershipDbContext db, ILogger logger, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var names = new RecipientCommands(db);
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText =
            $"UPDATE {names.Table} SET {names.Column(nameof(EmailRecipient.Status))} = @sent, "
            + $"{names.Column(nameof(EmailRecipient.Attempts))} = {names.Column(nameof(EmailRecipient.Attempts))} + 1, "
            + $"{names.Column(nameof(EmailRecipient.LastError))} = NULL, {names.Column(nameof(EmailRecipient.SentAt))} = @now, "
            + $"{names.Column(nameof(EmailRecipient.ClaimedUntil))} = NULL "
            + $"WHERE {names.Column(nameof(EmailRecipient.Id))} = @id AND {names.Column(nameof(EmailRecipient.ClaimedBy))} = @worker "
            + $"AND {names.Column(nameof(EmailRecipient.Status))} = @pending";
        Add(command, "@sent", nameof(RecipientStatus.Sent));
        Add(command, "@pending", nameof(RecipientStatus.Pending));
        var worker = Add(command, "@worker", "");
        var id = Add(command, "@id", 0L);
        // SQL Server's datetime2 (a DateTime parameter would be the older datetime); elsewhere the provider's default.
        var now = Add(command, "@now", DateTime.UtcNow, db.Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer" ? DbType.DateTime2 : null);
        return new SentMarks(db.Database, command, worker, id, now, db.Database.IsSqlite() ? SqliteWriteTurns.Gate : null, logger);
    }

    private static DbParameter Add(DbCommand command, string name, object value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        if (type is not null)
        {
            parameter.DbType = type.Value;
        }

        command.Parameters.Add(parameter);
        return parameter;
    }
}

/// <summary>
/// Marks recipients sent for all the workers of one delivery run, committing together the marks
/// that arrive while the previous commit is being written (group commit). A worker finishes its
/// next message only once its mark is committed, so the duplicate window stays one message per
/// connection; what the grouping saves is commits: on SQLite one write turn and WAL
/// commit for several marks, on a server database one log flush. There is no writer thread: the
/// caller that finds nobody writing writes what is waiting, its own mark and any that arrive
/// meanwhile (the sender calls from a pool thread, so the commit overlaps its next message).
/// </summary>
internal sealed class SentMarks(
    DatabaseFacade database, DbCommand command, DbParameter workerParameter, DbParameter idParameter, DbParameter sentAtParameter, SemaphoreSlim? writerTurn, ILogger logger) : IAsyncDisposable
{
    private const int Tries = 3;

    private readonly Lock _lock = new();
    private readonly List<Mark> _waiting = [];
    private bool _writing;
    private bool _closed;

    /// <summary>
    /// Marks the recipient sent if <paramref name="worker"/> still holds it, once committed; false
    /// when it no longer does. Not cancellable: the server has accepted the message, so the mark
    /// must be written. Throws when the database refused the mark three times.
    /// </summary>
    public async Task<bool> MarkAsync(long recipientId, string worker, DateTime sentAt)
    {
        var mark = new Mark(recipientId, worker, sentAt, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool write;
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("The delivery run's marks are closed.");
            }

            _waiting.Add(mark);
            write = !_writing;
            _writing = true;
        }

        if (write)
        {
            await WriteWhileWaitingAsync();
        }

        return await mark.Committed.Task;
    }

    private async Task WriteWhileWaitingAsync()
    {
        while (true)
        {
            List<Mark> group;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    return;
                }

                group = [.. _waiting];
                _waiting.Clear();
            }

            await CommitWithRetriesAsync(group);
        }
    }

    /// <summary>Commits the group and completes each of its marks: with whether it landed, or with the database's refusal.</summary>
    private async Task CommitWithRetriesAsync(List<Mark> group)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var updated = await CommitAsync(group);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Committed.TrySetResult(updated[i]);
                }

                return;
            }
            catch (DbException exception) when (attempt < Tries)
            {
                // A locked or briefly unavailable database: the group is rolled back whole; try it again.
                logger.LogWarning(exception, "Marking {Count} recipients sent failed (try {Attempt} of {Tries}); trying again", group.Count, attempt, Tries);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception exception)
            {
                foreach (var mark in group)
                {
                    mark.Committed.TrySetException(exception);
                }

                return;
            }
        }
    }

    private async Task<bool[]> CommitAsync(List<Mark> group)
    {
        if (writerTurn is not null)
        {
            // On SQLite the site's hot writers take turns instead of sleeping in its busy handler.
            await writerTurn.WaitAsync(CancellationToken.None);
        }

        try
        {
            // One mark is one statement, committed on its own (no BEGIN and COMMIT around it);
            // several are committed together in one transaction.
            await using var transaction = group.Count > 1 ? await command.Connection!.BeginTransactionAsync(CancellationToken.None) : null;
            command.Transaction = transaction;
            var updated = new bool[group.Count];
            for (var i = 0; i < group.Count; i++)
            {
                workerParameter.Value = group[i].Worker;
                idParameter.Value = group[i].RecipientId;
                sentAtParameter.Value = group[i].SentAt;
                updated[i] = await command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(CancellationToken.None);
            }

            return updated;
        }
        finally
        {
            command.Transaction = null;
            writerTurn?.Release();
        }
    }

    /// <summary>Closes what <see cref="RecipientCommands.PrepareSentMarksAsync"/> opened (the context may go back to a pool); call it once every worker is done.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _closed = true;
        }

        await command.DisposeAsync();
        await database.CloseConnectionAsync();
    }

    private sealed record Mark(long RecipientId, string Worker, DateTime SentAt, TaskCompletionSource<bool> Committed);
}
