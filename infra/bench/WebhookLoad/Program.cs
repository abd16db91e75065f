using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Membership.StripeEmulator;
using Microsoft.Data.Sqlite;
using Stripe;

namespace Membership.Bench.WebhookLoad;

/// <summary>
/// Starts the real site on Kestrel (127.0.0.1, SQLite in a temp folder) and, with one client at
/// one concurrency, sends the same number of <c>GET /healthz/ready</c> (the cheap baseline) and of
/// <c>POST /webhooks/stripe</c> with unique, correctly signed events; prints requests/s, p50, p99
/// and errors of each, their ratio, the goals, and checks that the <c>StripeEvents</c> table holds
/// every event sent. Exits 0 unless something is functionally wrong (an error response, an event
/// missing from the table), so a slow machine never fails a run.
/// </summary>
internal static class WebhookLoadBench
{
    private const double GoalEventsPerSecond = 500;
    private const double GoalP99Milliseconds = 50;

    private static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine(exception.Message);
            return 2;
        }

        return await BenchRun.MainAsync("stripe-webhooks", options.TimeoutSeconds, (dataDirectory, cancellationToken) => RunAsync(options, dataDirectory, cancellationToken));
    }

    private static async Task<int> RunAsync(BenchOptions options, string dataDirectory, CancellationToken cancellationToken)
    {
        CheckStripeParses();
        var loadBefore = BenchRun.LoadAverage();

        var site = new BenchSite(dataDirectory);
        var runs = new Dictionary<Kind, List<LoadResult>> { [Kind.Static] = [], [Kind.Health] = [], [Kind.Webhook] = [] };
        IReadOnlyList<string> profile = [];
        var sent = 0;
        try
        {
            var starting = Stopwatch.StartNew();
            var address = site.Start();
            Console.WriteLine($"site on {address} (Kestrel, in-process; SQLite in a temp folder), started in {starting.Elapsed.TotalSeconds:F1} s (not measured)");

            using var client = new LoadClient(address, options.Concurrency);
            await CheckRefusesTamperedAsync(client, cancellationToken);

            if (options.Warmup > 0)
            {
                var warmStatic = await client.RunAsync("warm-up static", options.Warmup, _ => StaticRequest(), cancellationToken);
                var warmHealth = await client.RunAsync("warm-up healthz", options.Warmup, _ => HealthRequest(), cancellationToken);
                var warmEvents = Events('w', 0, options.Warmup);
                var warmHooks = await client.RunAsync("warm-up webhooks", options.Warmup, i => WebhookRequest(warmEvents[i]), cancellationToken);
                sent += options.Warmup;
                Console.WriteLine($"warm-up: {options.Warmup} of each ({warmStatic.Rate:F0} / {warmHealth.Rate:F0} / {warmHooks.Rate:F0} per s; not measured)");
                ThrowOnErrors(warmStatic);
                ThrowOnErrors(warmHealth);
                ThrowOnErrors(warmHooks);
            }

            // Rounds take turns, in a rotating order, so background load on the machine falls on all three alike.
            var kinds = new[] { Kind.Static, Kind.Health, Kind.Webhook };
            var offset = 0;
            for (var round = 0; round < options.Rounds; round++)
            {
                var size = options.Events / options.Rounds + (round < options.Events % options.Rounds ? 1 : 0);
                var events = Events('m', offset, size);
                for (var k = 0; k < kinds.Length; k++)
                {
                    var kind = kinds[(round + k) % kinds.Length];
                    runs[kind].Add(kind switch
                    {
                        Kind.Static => await client.RunAsync(Names[kind], size, _ => StaticRequest(), cancellationToken),
                        Kind.Health => await client.RunAsync(Names[kind], size, _ => HealthRequest(), cancellationToken),
                        _ => await client.RunAsync(Names[kind], size, i => WebhookRequest(events[i]), cancellationToken),
                    });
                }

                offset += size;
                sent += size;
            }

            if (options.Profile)
            {
                var (lines, stored) = await Profiler.RunAsync(site.Services, Math.Min(options.Events, 1_000), options.Concurrency, cancellationToken);
                profile = lines;
                sent += stored;
            }
        }
        finally
        {
            await site.DisposeAsync();
        }

        var bare = LoadResult.Combine(Names[Kind.Static], runs[Kind.Static]);
        var health = LoadResult.Combine(Names[Kind.Health], runs[Kind.Health]);
        var webhooks = LoadResult.Combine(Names[Kind.Webhook], runs[Kind.Webhook]);

        Console.WriteLine();
        Console.WriteLine($"stripe-webhooks: {options.Events} requests of each kind, {options.Concurrency} concurrent (closed loop, HTTP/1.1 keep-alive over 127.0.0.1),");
        Console.WriteLine($"  same client, taking turns in {options.Rounds} round{(options.Rounds == 1 ? "" : "s")}; client and site share this process and {Environment.ProcessorCount} cores (load average before: {loadBefore}, after: {BenchRun.LoadAverage()})");
        Console.WriteLine($"{"",-42}{"req/s",7}{"mean ms",8}{"p50 ms",8}{"p99 ms",8}{"max ms",8}{"errors",7}   CPU of client + site");
        foreach (var result in new[] { bare, health, webhooks })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Name,-42}{result.Rate,7:F0}{result.Mean,8:F1}{result.P50,8:F1}{result.P99,8:F1}{result.Max,8:F1}{result.Errors,7}   {result.CpuSummary}"));
            foreach (var error in result.FirstErrors)
            {
                Console.WriteLine($"    {error}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio webhook events/s / healthz req/s:     {100 * webhooks.Rate / health.Rate,4:F0} %   (p99 {webhooks.P99 / health.P99:F1}x healthz's)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio webhook events/s / static file req/s: {100 * webhooks.Rate / bare.Rate,4:F0} %   (p99 {webhooks.P99 / bare.P99:F1}x the static file's)"));
        foreach (var line in profile)
        {
            Console.WriteLine(line);
        }

        var table = CountStoredEvents(site.DatabasePath);
        var measuredStored = table.Measured == options.Events;
        var allStored = table.Rows == sent && table.Distinct == sent;
        var extra = options.Profile ? $" + {sent - options.Warmup - options.Events} profile" : "";
        Console.WriteLine($"StripeEvents table (SQLite file opened after the site stopped): {table.Rows} rows, {table.Distinct} distinct ids, {table.Measured} of them from the measured rounds; " +
            $"sent {sent} distinct events ({options.Warmup} warm-up + {options.Events} measured{extra}): {(allStored && measuredStored ? "OK" : "MISMATCH")}");

        var rateMet = webhooks.Rate >= GoalEventsPerSecond;
        var p99Met = webhooks.P99 <= GoalP99Milliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal >= {GoalEventsPerSecond:F0} events/s: {(rateMet ? "PASS" : "MISS")} ({webhooks.Rate:F0});  " +
            $"goal p99 <= {GoalP99Milliseconds:F0} ms: {(p99Met ? "PASS" : "MISS")} ({webhooks.P99:F1} ms)"));

        if (bare.Errors > 0 || health.Errors > 0 || webhooks.Errors > 0)
        {
            throw new BenchFailure($"{bare.Errors + health.Errors} static/healthz and {webhooks.Errors} webhook requests got no 2xx answer");
        }

        if (!allStored || !measuredStored)
        {
            throw new BenchFailure($"the StripeEvents table does not hold exactly the {sent} events sent");
        }

        return 0;
    }

    private enum Kind
    {
        Static,
        Health,
        Webhook,
    }

    private static readonly Dictionary<Kind, string> Names = new()
    {
        [Kind.Static] = "GET  /js/post-editor.js (static, 1 KB)",
        [Kind.Health] = "GET  /healthz/ready (baseline)",
        [Kind.Webhook] = "POST /webhooks/stripe (signed events)",
    };

    /// <summary>The cheapest request the site serves: a small file through the whole middleware pipeline, no database.</summary>
    private static HttpRequestMessage StaticRequest() => new(HttpMethod.Get, "/js/post-editor.js");

    private static HttpRequestMessage HealthRequest() => new(HttpMethod.Get, "/healthz/ready");

    /// <summary>The event as Stripe posts it, signed now (as Stripe signs each delivery attempt).</summary>
    private static HttpRequestMessage WebhookRequest(string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookSettings.Sign(json, BenchSite.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return request;
    }

    /// <summary><paramref name="count"/> distinct <c>invoice.paid</c> events (a type the site handles, so each one also queues a job).</summary>
    private static string[] Events(char phase, int first, int count)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Enumerable.Range(first, count).Select(i => EventJson($"evt_bench{phase}{i:D8}", $"in_bench{phase}{i:D8}", created)).ToArray();
    }

    /// <summary>An event as Stripe sends it (API version of Stripe.net 53.1.0), with a minimal invoice as its object.</summary>
    internal static string EventJson(string id, string invoiceId, long created) =>
        $$$"""{"id":"{{{id}}}","object":"event","type":"invoice.paid","created":{{{created}}},"api_version":"2026-10-28.endive","livemode":false,"pending_webhooks":1,"data":{"object":{"id":"{{{invoiceId}}}","object":"invoice"}},"request":{"id":null,"idempotency_key":null}}""";

    /// <summary>Stripe.net, as the site calls it, verifies and parses the benchmark's event (else every request would be a 400).</summary>
    private static void CheckStripeParses()
    {
        var json = EventJson("evt_bench_probe", "in_bench_probe", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var signature = WebhookSettings.Sign(json, BenchSite.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Event parsed;
        try
        {
            parsed = EventUtility.ConstructEvent(json, signature, BenchSite.WebhookSecret, 300, throwOnApiVersionMismatch: false);
        }
        catch (StripeException exception)
        {
            throw new BenchFailure($"Stripe.net refuses the benchmark's event: {exception.Message}");
        }

        if (parsed.Id != "evt_bench_probe" || parsed.Type != "invoice.paid" || parsed.Data?.Object is not Invoice { Id: "in_bench_probe" })
        {
            throw new BenchFailure($"Stripe.net parsed the benchmark's event as {parsed.Id} {parsed.Type} {parsed.Data?.Object?.GetType().Name}");
        }

        var version = typeof(Event).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        Console.WriteLine($"Stripe.net {version} (API {StripeConfiguration.ApiVersion}) verifies and parses the event: {parsed.Type}, data.object {parsed.Data.Object.GetType().Name} {((Invoice)parsed.Data.Object).Id}");
    }

    /// <summary>The endpoint really checks signatures: an event signed with another secret gets 400 (and is not stored).</summary>
    private static async Task CheckRefusesTamperedAsync(LoadClient client, CancellationToken cancellationToken)
    {
        var json = EventJson("evt_bench_tampered", "in_bench_tampered", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var result = await client.RunAsync("tampered", 1, _ =>
        {
            var request = WebhookRequest(json);
            request.Headers.Remove("Stripe-Signature");
            request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookSettings.Sign(json, "whsec_someone_else", DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            return request;
        }, cancellationToken);
        if (!result.Statuses.ContainsKey((int)HttpStatusCode.BadRequest))
        {
            throw new BenchFailure($"an event signed with the wrong secret got {string.Join(", ", result.Statuses.Keys)} (expected 400): the signature is not checked");
        }
    }


    private static void ThrowOnErrors(LoadResult result)
    {
        if (result.Errors > 0)
        {
            throw new BenchFailure($"{result.Name}: {result.Errors} of {result.Count} requests got no 2xx answer: {string.Join("; ", result.FirstErrors)}");
        }
    }

    /// <summary>Opens the site's SQLite file (after the site stopped) and counts the stored events.</summary>
    private static (long Rows, long Distinct, long Measured) CountStoredEvents(string databasePath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT Id), COALESCE(SUM(Id LIKE 'evt_benchm%'), 0) FROM StripeEvents";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}

