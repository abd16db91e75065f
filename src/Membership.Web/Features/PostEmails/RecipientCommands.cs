using System.Data;
using System.Data.Common;
using System.Text;
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
/// UPDATE). Through the change tracker and LINQ they cost more than the sending: recording
/// 10,000 recipients took ~0.8 s on SQLite (each row tracked, one statement each, its key read
/// back) and a mark ~0.2 ms of translation and set-up each. Table and column names come from the
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
    /// A sender worker's "mark sent" statement, made once and run for each message the server
    /// accepted (its own committed UPDATE, so the duplicate window stays one message). Opens the
    /// context's connection and keeps it open for the worker's life.
    /// </summary>
    public static async Task<SentMark> PrepareSentMarkAsync(MembershipDbContext db, string worker, CancellationToken cancellationToken)
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
        Add(command, "@worker", worker);
        var id = Add(command, "@id", 0L);
        // SQL Server's datetime2 (a DateTime parameter would be the older datetime); elsewhere the provider's default.
        var now = Add(command, "@now", DateTime.UtcNow, db.Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer" ? DbType.DateTime2 : null);
        return new SentMark(db.Database, command, id, now, db.Database.IsSqlite() ? SqliteWriteTurns.Gate : null);
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

/// <summary>One worker's prepared "mark sent" UPDATE (see <see cref="RecipientCommands.PrepareSentMarkAsync"/>).</summary>
internal sealed class SentMark(Microsoft.EntityFrameworkCore.Infrastructure.DatabaseFacade database, DbCommand command, DbParameter id, DbParameter now, SemaphoreSlim? writerTurn) : IAsyncDisposable
{
    /// <summary>Marks the recipient sent if this worker still holds it; false when it no longer does.</summary>
    public async Task<bool> MarkAsync(long recipientId, DateTime sentAt)
    {
        id.Value = recipientId;
        now.Value = sentAt;
        // Not cancellable: the server has accepted the message, so the mark must be written.
        // On SQLite the workers take turns (SqliteWriteTurns) instead of sleeping in its busy handler.
        if (writerTurn is null)
        {
            return await command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
        }

        await writerTurn.WaitAsync(CancellationToken.None);
        try
        {
            return await command.ExecuteNonQueryAsync(CancellationToken.None) == 1;
        }
        finally
        {
            writerTurn.Release();
        }
    }

    /// <summary>Closes what <see cref="RecipientCommands.PrepareSentMarkAsync"/> opened (the context may go back to a pool).</summary>
    public async ValueTask DisposeAsync()
    {
        await command.DisposeAsync();
        await database.CloseConnectionAsync();
    }
}
