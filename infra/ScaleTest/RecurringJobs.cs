using Npgsql;

namespace Membership.ScaleTest;

/// <summary>What Hangfire's shared PostgreSQL storage (schema <c>hangfire</c>) says about the recurring jobs.</summary>
internal static class RecurringJobs
{
    public sealed record Tick(string RecurringJobId, DateTime Minute, int Jobs);

    /// <summary>Jobs created per recurring job and minute (every job Hangfire makes for a schedule tick carries a RecurringJobId parameter).</summary>
    public static async Task<List<Tick>> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT trim(both '"' from p.value) AS recurring, date_trunc('minute', j.createdat) AS minute, count(*) AS jobs
            FROM hangfire.job j JOIN hangfire.jobparameter p ON p.jobid = j.id AND p.name = 'RecurringJobId'
            GROUP BY 1, 2 ORDER BY 2, 1
            """, connection);
        var ticks = new List<Tick>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ticks.Add(new Tick(reader.GetString(0), reader.GetDateTime(1), (int)reader.GetInt64(2)));
        }

        return ticks;
    }

    /// <summary>Jobs that reached Succeeded more than once (run twice to the end).</summary>
    public static async Task<long> JobsSucceededTwiceAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM (SELECT jobid FROM hangfire.state WHERE name = 'Succeeded' GROUP BY jobid HAVING count(*) > 1) twice", connection);
        return (long)(await command.ExecuteScalarAsync() ?? 0L);
    }
}
