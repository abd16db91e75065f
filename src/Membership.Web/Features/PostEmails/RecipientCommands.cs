using System.Data;
using System.Data.Common;
using System.Text;
using System.Threading.Channels;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Membership.Web.Features.PostEmails;

/// <summary>
/// The two statements a delivery runs once per recipient, written as plain SQL on the context's
/// own connection: recording the recipients (multi-row INSERTs) and marking one sent (a reused
/// UPDATE, committed in groups by <see cref="SentMarks"/>). Through the change tracker and LINQ
/// they cost more than the sending: recording 10,000 recipients took ~0.8 s on SQLite (each row
/// tracked, one statement each, its key read back) and a mark ~0.2 ms of translation and set-up
/// each. Table and column names come from the
/// EF model, so the SQL follows the mapping on every provider.
/// </summary>
internal sealed class RecipientCommands
{
    /// <summary>Rows per INSERT: 3 parameters each keeps under SQL Server's 2,100-parameter limit.</summary>
    private const int RowsPerStatement = 500;

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
/// that arrive while the previous commit is being written (group commit). A worker waits for its
/// mark to be committed before it sends its next message, so the duplicate window stays one
/// message per connection; what the grouping saves is commits: on SQLite one write turn and WAL
/// commit for several marks, on a server database one log flush.
/// </summary>
internal sealed class SentMarks : IAsyncDisposable
{
    private const int Tries = 3;

    private readonly DatabaseFacade _database;
    private readonly DbCommand _command;
    private readonly DbParameter _worker;
    private readonly DbParameter _id;
    private readonly DbParameter _now;
    private readonly SemaphoreSlim? _writerTurn;
    private readonly ILogger _logger;
    private readonly Channel<Mark> _queue = Channel.CreateUnbounded<Mark>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SentMarks(DatabaseFacade database, DbCommand command, DbParameter worker, DbParameter id, DbParameter now, SemaphoreSlim? writerTurn, ILogger logger)
    {
        _database = database;
        _command = command;
        _worker = worker;
        _id = id;
        _now = now;
        _writerTurn = writerTurn;
        _logger = logger;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>
    /// Marks the recipient sent if <paramref name="worker"/> still holds it, once committed; false
    /// when it no longer does. Not cancellable: the server has accepted the message, so the mark
    /// must be written. Throws when the database refused the mark three times.
    /// </summary>
    public Task<bool> MarkAsync(long recipientId, string worker, DateTime sentAt)
    {
        var mark = new Mark(recipientId, worker, sentAt, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(mark))
        {
            throw new InvalidOperationException("The delivery run's marks are closed.");
        }

        return mark.Committed.Task;
    }

    private async Task WriteAsync()
    {
        var group = new List<Mark>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (_queue.Reader.TryRead(out var mark))
            {
                group.Add(mark);
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var updated = await CommitAsync(group);
                    for (var i = 0; i < group.Count; i++)
                    {
                        group[i].Committed.TrySetResult(updated[i]);
                    }

                    break;
                }
                catch (DbException exception) when (attempt < Tries)
                {
                    // A locked or briefly unavailable database: the group is rolled back whole; try it again.
                    _logger.LogWarning(exception, "Marking {Count} recipients sent failed (try {Attempt} of {Tries}); trying again", group.Count, attempt, Tries);
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
                }
                catch (Exception exception)
                {
                    foreach (var mark in group)
                    {
                        mark.Committed.TrySetException(exception);
                    }

                    break;
                }
            }
        }
    }

    private async Task<bool[]> CommitAsync(List<Mark> group)
    {
        if (_writerTurn is not null)
        {
            // On SQLite the site's hot writers take turns instead of sleeping in its busy handler.
            await _writerTurn.WaitAsync(CancellationToken.None);
        }

        try
        {
            await using var transaction = await _command.Connection!.BeginTransactionAsync(CancellationToken.None);
            _command.Transaction = transaction;
            var updated = new bool[group.Count];
            for (var i = 0; i < group.Count; i++)
            {
                _worker.Value = group[i].Worker;
                _id.Value = group[i].RecipientId;
                _now.Value = group[i].SentAt;
                updated[i] = await _command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
            }

            await transaction.CommitAsync(CancellationToken.None);
            return updated;
        }
        finally
        {
            _command.Transaction = null;
            _writerTurn?.Release();
        }
    }

    /// <summary>Writes what is queued, then closes what <see cref="RecipientCommands.PrepareSentMarksAsync"/> opened (the context may go back to a pool).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _command.DisposeAsync();
        await _database.CloseConnectionAsync();
    }

    private sealed record Mark(long RecipientId, string Worker, DateTime SentAt, TaskCompletionSource<bool> Committed);
}
