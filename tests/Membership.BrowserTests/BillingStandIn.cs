using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Membership.BrowserTests;

/// <summary>
/// Makes a fan a paying member of a tier by writing the site's SQLite database directly.
/// </summary>
/// <remarks>
/// This stands in for Stripe billing until the Stripe issue lands: paid memberships will then
/// come from a checkout and its webhook, and the journeys should go through those instead.
/// The fan must already follow the creator (the "Follow for free" button creates the
/// <c>Members</c> row); this only turns that row into an active membership of the tier.
/// </remarks>
public static class BillingStandIn
{
    public static async Task MakeActiveMemberAsync(PublishedSite site, string handle, Person fan, string tierName)
    {
        var database = Path.Combine(site.DataDirectory, "membership.db");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Mode = SqliteOpenMode.ReadWrite, // never create an empty database by mistake
            Pooling = false,                 // let go of the file at once: the fixture deletes the folder
            DefaultTimeout = 30,             // wait out the site's own writes
        }.ToString();

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();

        var creatorId = await IdAsync(connection, "SELECT Id FROM Creators WHERE Handle = $p0", $"creator @{handle}", handle);
        var userId = await IdAsync(connection, "SELECT Id FROM AspNetUsers WHERE NormalizedEmail = $p0", $"user {fan.Email}", fan.Email.ToUpperInvariant());
        var tierId = await IdAsync(connection, "SELECT Id FROM Tiers WHERE CreatorId = $p0 AND Name = $p1", $"tier \"{tierName}\" of @{handle}", creatorId, tierName);

        await using var update = connection.CreateCommand();
        update.CommandText =
            "UPDATE Members SET Status = 'Active', TierId = $tier, UpdatedAt = $now " +
            "WHERE CreatorId = $creator AND UserId = $user";
        update.Parameters.AddWithValue("$tier", tierId);
        update.Parameters.AddWithValue("$now", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        update.Parameters.AddWithValue("$creator", creatorId);
        update.Parameters.AddWithValue("$user", userId);
        var changed = await update.ExecuteNonQueryAsync();
        if (changed != 1)
        {
            throw new InvalidOperationException(
                $"{fan.Email} has no membership row for @{handle} ({changed} rows updated). Follow the creator first.");
        }
    }

    private static async Task<object> IdAsync(SqliteConnection connection, string sql, string what, params object[] values)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue($"$p{i}", values[i]);
        }

        return await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No {what} in the site's database.");
    }
}
