using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Membership.StripeEmulator;
using Membership.Web.Features.Billing;
using Membership.Web.Infrastructure.Database;
using Membership.Web.Infrastructure.Health;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Stripe;

namespace Membership.Bench.WebhookLoad;

/// <summary>
/// <c>--profile</c>: where a request's time goes, timed inside the site's own container, without
/// HTTP. The webhook's three steps (verify and parse, store, queue), the store step split up and
/// beside the same INSERT in plain ADO.NET, and the database check behind <c>/healthz</c>, one
/// call at a time; then the store step alone at the run's concurrency. Wall time per call and this
/// process's CPU per call (the site is otherwise idle meanwhile). Every row it stores is a new
/// event (<c>evt_benchp…</c>); it returns how many, for the table check.
/// </summary>
internal static class Profiler
{
    private const string InsertSql =
        "INSERT INTO StripeEvents (Id, Type, Account, ObjectId, OccurredAt, ReceivedAt, ProcessedAt, Attempts, LastError) " +
        "VALUES ($id, 'invoice.paid', NULL, $object, $at, $at, NULL, 0, NULL)";

    public static async Task<(IReadOnlyList<string> Lines, int Stored)> RunAsync(IServiceProvider services, int calls, int concurrency, CancellationToken cancellationToken)
    {
        var lines = new List<string> { $"profile: inside the site (no HTTP), each step {calls} times one at a time, then the store step {concurrency} at a time" };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var json = Enumerable.Range(0, calls * 2).Select(i => WebhookLoadBench.EventJson($"evt_benchp{i:D8}", $"in_benchp{i:D8}", created)).ToArray();
        var signatures = json.Select(j => WebhookSettings.Sign(j, BenchSite.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds())).ToArray();
        var parsed = new Event[json.Length];
        var stored = 0;

        lines.Add(await StepAsync("verify + parse (EventUtility.ConstructEvent)", calls, i =>
        {
            parsed[i] = Parse(json[i], signatures[i]);
            return Task.CompletedTask;
        }));
        for (var i = calls; i < parsed.Length; i++)
        {
            parsed[i] = Parse(json[i], signatures[i]);
        }

        lines.Add(await StepAsync("store (new scope + DbContext, StripeEventInbox)", calls, async i =>
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<StripeEventInbox>().RecordAsync(parsed[i], cancellationToken);
        }));
        stored += calls;

        // The same store, split into its parts (as StripeEventInbox does it, the connection opened explicitly).
        var parts = new double[5];
        for (var i = 0; i < calls; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var t1 = Stopwatch.GetTimestamp();
            var now = DateTime.UtcNow;
            db.StripeEvents.Add(new StripeEvent { Id = $"evt_benchps{i:D8}", Type = "invoice.paid", ObjectId = $"in_benchps{i:D8}", OccurredAt = now, ReceivedAt = now });
            var t2 = Stopwatch.GetTimestamp();
            await db.Database.OpenConnectionAsync(cancellationToken);
            var t3 = Stopwatch.GetTimestamp();
            await db.SaveChangesAsync(cancellationToken);
            var t4 = Stopwatch.GetTimestamp();
            await db.Database.CloseConnectionAsync();
            await scope.DisposeAsync();
            var t5 = Stopwatch.GetTimestamp();
            parts[0] += Ms(t1 - t0);
            parts[1] += Ms(t2 - t1);
            parts[2] += Ms(t3 - t2);
            parts[3] += Ms(t4 - t3);
            parts[4] += Ms(t5 - t4);
        }

        stored += calls;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"    split (us/call): scope + DbContext {Us(parts[0], calls)}, Add {Us(parts[1], calls)}, open connection {Us(parts[2], calls)}, SaveChanges {Us(parts[3], calls)}, close + dispose {Us(parts[4], calls)}"));

        string connectionString;
        await using (var scope = services.CreateAsyncScope())
        {
            connectionString = scope.ServiceProvider.GetRequiredService<MembershipDbContext>().Database.GetConnectionString()!;
        }

        lines.Add(await StepAsync("  for comparison: the same INSERT in plain ADO.NET", calls, async i =>
        {
            // Pooled connection, the site's per-connection pragmas, one INSERT: what the database itself costs.
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
                await pragmas.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = InsertSql;
            insert.Parameters.AddWithValue("$id", $"evt_benchpa{i:D8}");
            insert.Parameters.AddWithValue("$object", $"in_benchpa{i:D8}");
            insert.Parameters.AddWithValue("$at", DateTime.UtcNow);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }));
        stored += calls;

        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        lines.Add(await StepAsync("queue (Hangfire in-memory Enqueue)", calls, i =>
        {
            var id = parsed[i].Id;
            jobs.Enqueue<StripeEventProcessor>(processor => processor.ProcessAsync(id, CancellationToken.None));
            return Task.CompletedTask;
        }));

        lines.Add(await StepAsync("healthz's check (new scope + DbContext, CanConnectAsync)", calls, async _ =>
        {
            await using var scope = services.CreateAsyncScope();
            var check = ActivatorUtilities.CreateInstance<DatabaseHealthCheck>(scope.ServiceProvider);
            var result = await check.CheckHealthAsync(new HealthCheckContext(), cancellationToken);
            if (result.Status != HealthStatus.Healthy)
            {
                throw new BenchFailure($"the database check said {result.Status}: {result.Description}");
            }
        }));

        lines.Add(await StepAsync("  for comparison: new scope + DbContext, SELECT 1", calls, async _ =>
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MembershipDbContext>().Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
        }));

        // The store step alone, as many at a time as the HTTP runs: SQLite takes one writer at a time.
        var latencies = new double[parsed.Length - calls];
        var next = calls - 1;
        var cpu = LoadClient.CpuTime();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < parsed.Length)
            {
                var start = Stopwatch.GetTimestamp();
                await using (var scope = services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<StripeEventInbox>().RecordAsync(parsed[i], cancellationToken);
                }

                latencies[i - calls] = Ms(Stopwatch.GetTimestamp() - start);
            }
        }, cancellationToken)));
        watch.Stop();
        cpu = LoadClient.CpuTime() - cpu;
        stored += latencies.Length;
        Array.Sort(latencies);
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"  {"store, " + concurrency + " at a time",-58}{latencies.Length / watch.Elapsed.TotalSeconds,6:F0} /s, p50 {Rank(latencies, 0.5),6:F1} ms, p99 {Rank(latencies, 0.99),6:F1} ms, CPU {cpu.TotalMilliseconds * 1000 / latencies.Length,5:F0} us/call"));
        return (lines, stored);
    }

    private static Event Parse(string json, string signature) =>
        EventUtility.ConstructEvent(json, signature, BenchSite.WebhookSecret, StripeWebhookController.ToleranceSeconds, throwOnApiVersionMismatch: false);

    /// <summary>"  step    123 us/call, p99    456 us, CPU   100 us/call".</summary>
    private static async Task<string> StepAsync(string name, int calls, Func<int, Task> step)
    {
        var latencies = new double[calls];
        var cpu = LoadClient.CpuTime();
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await step(i);
            latencies[i] = Ms(Stopwatch.GetTimestamp() - start);
        }

        cpu = LoadClient.CpuTime() - cpu;
        Array.Sort(latencies);
        return string.Create(CultureInfo.InvariantCulture,
            $"  {name,-58}{latencies.Average() * 1000,6:F0} us/call, p99 {Rank(latencies, 0.99) * 1000,6:F0} us, CPU {cpu.TotalMilliseconds * 1000 / calls,5:F0} us/call");
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Us(double totalMs, int calls) => (totalMs * 1000 / calls).ToString("F0", CultureInfo.InvariantCulture);

    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
