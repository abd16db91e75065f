using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Web.Host;
using Microsoft.Data.Sqlite;

namespace Membership.Bench.DashboardLoad;

/// <summary>
/// Seeds (or reuses) a demo creator with N members over M months, starts the real site on Kestrel
/// (127.0.0.1) on a copy of that SQLite file, signs in as the creator like a browser, and times,
/// warm and one request at a time, the dashboard page, metrics.json over the whole history, the
/// same figures from hand-written SQL (one query per figure family, on the same file), and the
/// member roster's first and last pages per sort. Prints medians and p95s, the ratios and the
/// goals (PASS/MISS), and where the time goes when a goal is missed (or with --profile). Exits 0
/// unless something is functionally wrong (an error answer, figures that disagree, a roster walk
/// that loses or repeats members), so a slow machine never fails a run.
/// </summary>
internal static partial class DashboardBench
{
    private const double GoalDashboardMs = 300;
    private const double GoalDashboardOverSql = 1.5;
    private const double GoalRosterFirstMs = 30;
    private const double GoalRosterLastOverFirst = 1.2;

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

        return await BenchRun.MainAsync("dashboard", options.TimeoutSeconds, (dataDirectory, cancellationToken) => RunAsync(options, dataDirectory, cancellationToken));
    }

    private static async Task<int> RunAsync(BenchOptions options, string workDirectory, CancellationToken cancellationToken)
    {
        var loadBefore = BenchRun.LoadAverage();
        var total = Stopwatch.StartNew();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores ({BenchRun.CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {loadBefore} (1, 5, 15 min)");

        await SeedCache.EnsureAsync(options, cancellationToken);

        // The run works on a copy, so the cached file stays as seeded.
        var databasePath = Path.Combine(workDirectory, "bench.db");
        File.Copy(options.SeedFile, databasePath);
        var dataDirectory = Directory.CreateDirectory(Path.Combine(workDirectory, "data")).FullName;
        var (creator, historyFrom, facts) = await PrepareAsync(databasePath, cancellationToken);
        Console.WriteLine(facts);

        var timer = new ServerTimer();
        var profiler = new SqlProfiler();
        var site = new BenchSite(databasePath, dataDirectory, profiler, timer);
        var problems = new List<string>();
        var results = new List<Samples>();
        var perQuery = HandWrittenSql.Queries.Select(q => new Samples(q.Name)).ToArray();
        var walks = new List<RosterWalk>();
        var profileLines = new List<string>();
        Samples dashboard, metrics, sql;
        List<Samples> firsts, lasts;
        const string dashboardUrl = "/creator/dashboard?range=all";
        try
        {
            var starting = Stopwatch.StartNew();
            var address = site.Start();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"site on {address} (Kestrel, in-process, Release; SQLite file copied from the cache), started in {starting.Elapsed.TotalSeconds:F1} s (not measured)"));
            using var browser = new Browser(address, timer);
            await browser.SignInAsync(DemoSeeder.CreatorEmail, DemoSeeder.CreatorPassword, cancellationToken);

            // What the page covers (metrics.json and the SQL are asked for the same months), and the
            // figures checked against the hand-written SQL, before anything is timed.
            var (page, firstPage) = await browser.GetAsync(dashboardUrl, cancellationToken);
            var covered = MetricsUrl().Match(page);
            if (!page.Contains("data-test=\"dashboard-now\"", StringComparison.Ordinal) || !covered.Success)
            {
                throw new BenchFailure($"GET {dashboardUrl} is not the dashboard (no dashboard-now figures or chart address)");
            }

            var from = DateOnly.ParseExact(covered.Groups[1].Value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var to = DateOnly.ParseExact(covered.Groups[2].Value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var monthCount = (to.Year - from.Year) * 12 + to.Month - from.Month + 1;
            var metricsUrl = $"/creator/dashboard/metrics.json?from={from:yyyy-MM}&to={to:yyyy-MM}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dashboard range=all covers {from:yyyy-MM} to {to:yyyy-MM} ({monthCount} months; history from {historyFrom:yyyy-MM}), metrics.json and the SQL are asked for the same; first (cold) dashboard {firstPage.ClientMs:F0} ms"));
            if (from > historyFrom || to != ThisMonth())
            {
                problems.Add($"the dashboard's range=all covers {from:yyyy-MM} to {to:yyyy-MM}, not the whole history ({historyFrom:yyyy-MM} to {ThisMonth():yyyy-MM})");
            }

            var baseline = new HandWrittenSql(databasePath, creator, from, to);

            var (json, _) = await browser.GetAsync(metricsUrl, cancellationToken);
            var figures = await baseline.RunAsync(new double[HandWrittenSql.Queries.Length], cancellationToken);
            var differences = figures.Differences(json);
            Console.WriteLine(differences.Count == 0
                ? $"figures: metrics.json and the hand-written SQL agree on all {figures.FigureCount:N0} figures compared ({figures.Months.Count} months x {figures.Months[0].Values.Count}, {figures.Cohorts.Count} cohorts with retention, {figures.Tiers.Count} tiers, now)"
                : $"figures: metrics.json and the hand-written SQL DISAGREE on {differences.Count} of {figures.FigureCount:N0} figures, first: {string.Join("; ", differences.Take(8))}");
            if (differences.Count > 0)
            {
                problems.Add($"metrics.json and the hand-written SQL disagree on {differences.Count} figures");
            }

            // The roster: every page once per sort (cursor after cursor) to find the last page, checking
            // no member is lost or repeated; when that would take too long, the last page's cursor is
            // made from the database as the site makes it, and the page it opens is checked.
            foreach (var sort in new[] { (string?)null, "paid", "name" })
            {
                var walk = await WalkAsync(browser, databasePath, creator.Id, sort, options.WalkSeconds, cancellationToken);
                walks.Add(walk);
                Console.WriteLine(walk.Describe());
                if (!walk.Consistent)
                {
                    problems.Add($"the roster {walk.Label}: {walk.Describe()}");
                }
            }

            dashboard = new Samples($"GET {dashboardUrl} (HTML page)");
            metrics = new Samples($"GET metrics.json?from={from:yyyy-MM}&to={to:yyyy-MM}");
            sql = new Samples($"hand-written SQL, {HandWrittenSql.Queries.Length} queries (same figures)");
            firsts = walks.Select(w => new Samples($"GET {w.FirstUrl} (first page)")).ToList();
            lasts = walks.Select(w => new Samples(w.LastUrl.Length > 0 ? $"GET {Shorten(w.LastUrl)} (last page)" : $"roster {w.Label} last page: not found")).ToList();
            results.AddRange([dashboard, metrics, sql, .. firsts, .. lasts]);

            var steps = new List<(Samples Into, Func<Task<Timing>> Run)>
            {
                (dashboard, async () => (await browser.GetAsync(dashboardUrl, cancellationToken)).Timing),
                (metrics, async () => (await browser.GetAsync(metricsUrl, cancellationToken)).Timing),
                (sql, async () =>
                {
                    var times = new double[HandWrittenSql.Queries.Length];
                    var start = Stopwatch.GetTimestamp();
                    await baseline.RunAsync(times, cancellationToken);
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    for (var q = 0; q < times.Length; q++)
                    {
                        perQuery[q].Add(times[q]);
                    }

                    return new Timing(elapsed, null);
                }),
            };
            for (var w = 0; w < walks.Count; w++)
            {
                var walk = walks[w];
                steps.Add((firsts[w], async () => (await browser.GetAsync(walk.FirstUrl, cancellationToken)).Timing));
                if (walk.LastUrl.Length > 0)
                {
                    steps.Add((lasts[w], async () => (await browser.GetAsync(walk.LastUrl, cancellationToken)).Timing));
                }
            }

            for (var i = 0; i < options.Warmup; i++)
            {
                if (i > 0 && total.Elapsed.TotalSeconds > options.TimeoutSeconds / 2)
                {
                    break; // a slow machine: keep the time for the measured rounds
                }

                foreach (var (_, run) in steps)
                {
                    await run();
                }
            }

            // Warm-up runs of the SQL set also filled the per-query figures: start them afresh.
            for (var q = 0; q < perQuery.Length; q++)
            {
                perQuery[q] = new Samples(HandWrittenSql.Queries[q].Name);
            }

            // Timed rounds: every kind once per round, the order rotating, so background load falls on
            // all alike. Rounds stop early (at least 5) when the next one and the profile would not fit the time bound.
            var measuring = Stopwatch.StartNew();
            var rounds = 0;
            var roundSeconds = 0.0;
            for (var round = 0; round < options.Requests; round++)
            {
                var reserve = 30 + 3 * (dashboard.Count > 0 ? (dashboard.Median + metrics.Median) / 1000 : 0);
                if (round >= 5 && total.Elapsed.TotalSeconds + roundSeconds + reserve > options.TimeoutSeconds)
                {
                    break;
                }

                var started = Stopwatch.GetTimestamp();
                for (var k = 0; k < steps.Count; k++)
                {
                    var (into, run) = steps[(round + k) % steps.Count];
                    into.Add(await run());
                }

                roundSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                rounds++;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"measured: {options.Warmup} warm-up rounds, then {rounds} timed rounds of all {steps.Count} kinds in turn (rotating order), in {measuring.Elapsed.TotalSeconds:F0} s{(rounds < options.Requests ? $" (stopped before {options.Requests}: time bound)" : "")}"));

            var missed = Missed(dashboard, metrics, sql, firsts, lasts);
            if (options.Profile || missed)
            {
                profileLines = await ProfileAsync(browser, profiler, databasePath, options.SqlLog,
                    [(dashboardUrl, 4), (metricsUrl, 0), .. walks.SelectMany(w => new[] { (w.FirstUrl, 1), (w.LastUrl, 1) }).Where(r => r.Item1.Length > 0)], cancellationToken);
            }
        }
        finally
        {
            await site.DisposeAsync();
        }

        Print(options, results, perQuery, dashboard, metrics, sql, walks, firsts, lasts, loadBefore, total.Elapsed);
        foreach (var line in profileLines)
        {
            Console.WriteLine(line);
        }

        foreach (var problem in problems)
        {
            Console.WriteLine($"PROBLEM: {problem}");
        }

        return problems.Count == 0 ? 0 : 1;
    }

    private static bool Missed(Samples dashboard, Samples metrics, Samples sql, List<Samples> firsts, List<Samples> lasts) =>
        dashboard.Median > GoalDashboardMs || dashboard.Median > GoalDashboardOverSql * sql.Median
        || metrics.Median > GoalDashboardMs || metrics.Median > GoalDashboardOverSql * sql.Median
        || firsts.Any(f => f.Median > GoalRosterFirstMs)
        || firsts.Zip(lasts).Any(p => p.Second.Median > GoalRosterLastOverFirst * p.First.Median);

    private static void Print(BenchOptions options, List<Samples> results, Samples[] perQuery, Samples dashboard, Samples metrics, Samples sql,
        List<RosterWalk> walks, List<Samples> firsts, List<Samples> lasts, string loadBefore, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv,
            $"dashboard: {options.Members:N0} members over {options.Months} months; {dashboard.Count} timed requests of each kind after {options.Warmup} warm-up rounds, one at a time, one client (HTTP/1.1 keep-alive over 127.0.0.1)"));
        Console.WriteLine("  time = client's, from sending the request to the whole body read (loopback included); site = inside the site, first middleware to the response written");
        Console.WriteLine("  the hand-written SQL runs in the same process on the same file (Microsoft.Data.Sqlite, pooled connection), rows read into memory and the figures assembled");
        Console.WriteLine($"{"",-62}{"median",8}{"p95",8}{"min",8}{"max",8}{"site med",10}{"site p95",10}   (ms)");
        foreach (var result in results)
        {
            Console.WriteLine(Row(result.Name, result));
            if (result == sql)
            {
                foreach (var q in perQuery)
                {
                    Console.WriteLine(Row("    " + q.Name, q));
                }
            }
        }

        Console.WriteLine(string.Create(inv, $"ratio dashboard page / hand-written SQL:   {dashboard.Median / sql.Median,5:F2}x   (medians; p95 {dashboard.P95 / sql.P95:F2}x)"));
        Console.WriteLine(string.Create(inv, $"ratio metrics.json / hand-written SQL:     {metrics.Median / sql.Median,5:F2}x   (medians; p95 {metrics.P95 / sql.P95:F2}x)"));
        for (var w = 0; w < walks.Count; w++)
        {
            Console.WriteLine(string.Create(inv,
                $"ratio roster last / first page, {walks[w].Label,-19} {lasts[w].Median / firsts[w].Median,5:F2}x   (medians; {(walks[w].Total + RosterPageSize - 1) / RosterPageSize:N0} pages)"));
        }

        Console.WriteLine("goals (SQLite, warm, medians):");
        Goal($"dashboard page <= {GoalDashboardMs:F0} ms", dashboard.Median <= GoalDashboardMs, $"{dashboard.Median:F0} ms");
        Goal($"dashboard page <= {GoalDashboardOverSql:F1}x hand-written SQL", dashboard.Median <= GoalDashboardOverSql * sql.Median, $"{dashboard.Median / sql.Median:F2}x");
        Goal($"metrics.json <= {GoalDashboardMs:F0} ms (the dashboard's goal)", metrics.Median <= GoalDashboardMs, $"{metrics.Median:F0} ms");
        Goal($"metrics.json <= {GoalDashboardOverSql:F1}x hand-written SQL", metrics.Median <= GoalDashboardOverSql * sql.Median, $"{metrics.Median / sql.Median:F2}x");
        for (var w = 0; w < walks.Count; w++)
        {
            Goal($"roster first page <= {GoalRosterFirstMs:F0} ms, {walks[w].Label}", firsts[w].Median <= GoalRosterFirstMs, $"{firsts[w].Median:F1} ms");
            Goal($"roster last page <= {GoalRosterLastOverFirst:F1}x first, {walks[w].Label}", lasts[w].Median <= GoalRosterLastOverFirst * firsts[w].Median,
                $"{lasts[w].Median / firsts[w].Median:F2}x");
        }

        Console.WriteLine(string.Create(inv,
            $"machine: {Environment.ProcessorCount} cores; client, site and SQL share this process; load average before {loadBefore}, after {BenchRun.LoadAverage()}; whole run {elapsed.TotalSeconds:F0} s"));

        static void Goal(string goal, bool met, FormattableString value) =>
            Console.WriteLine($"  {goal,-52} {(met ? "PASS" : "MISS")}  ({value.ToString(CultureInfo.InvariantCulture)})");

        static string Row(string name, Samples s) => string.Create(CultureInfo.InvariantCulture,
            $"{(name.Length > 61 ? name[..58] + "..." : name),-62}{s.Median,8:F1}{s.P95,8:F1}{s.Min,8:F1}{s.Max,8:F1}{Ms(s.ServerMedian),10}{Ms(s.ServerP95),10}");

        static string Ms(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "";
    }

    /// <summary>
    /// One pass over the roster's pages for a sort, following the "Next page" links, while it fits
    /// <paramref name="budgetSeconds"/> (estimated from the pages so far); beyond, a jump to the
    /// last page by a cursor made from the database (<see cref="LastPageFromDatabaseAsync"/>).
    /// </summary>
    private static async Task<RosterWalk> WalkAsync(Browser browser, string databasePath, int creatorId, string? sort, int budgetSeconds, CancellationToken cancellationToken)
    {
        var first = "/creator/members" + (sort is null ? "" : "?sort=" + sort);
        var label = sort is null ? "newest joined" : $"sort={sort}";
        var url = first;
        var pages = 0;
        var rows = 0;
        var total = -1;
        var ids = new HashSet<int>();
        string? firstCursor = null;
        var firstPageLastId = 0;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (body, _) = await browser.GetAsync(url, cancellationToken);
            pages++;
            if (total < 0)
            {
                var shown = RosterTotal().Match(body);
                total = shown.Success ? int.Parse(shown.Groups[1].Value, CultureInfo.InvariantCulture) : throw new BenchFailure($"GET {url} shows no roster total");
            }

            var pageIds = RosterRow().Matches(body).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            rows += pageIds.Count;
            ids.UnionWith(pageIds);
            var next = RosterNext().Match(body);
            if (!next.Success)
            {
                break;
            }

            url = WebUtility.HtmlDecode(next.Groups[1].Value);
            if (pages == 1)
            {
                firstCursor = Query(url, "after");
                firstPageLastId = pageIds.Count > 0 ? pageIds[^1] : 0;
            }

            var allPages = (total + RosterPageSize - 1) / RosterPageSize;
            if (pages >= 10 && watch.Elapsed.TotalSeconds / pages * allPages > budgetSeconds)
            {
                var estimate = watch.Elapsed.TotalSeconds / pages * allPages;
                var walked = new RosterWalk(label, first, "", pages, rows, ids.Count, total, watch.Elapsed.TotalSeconds, Jumped: null);
                var jump = await LastPageFromDatabaseAsync(browser, databasePath, creatorId, sort, first, firstCursor, firstPageLastId, total, cancellationToken);
                return walked with
                {
                    LastUrl = jump.Url ?? "",
                    Jumped = string.Create(CultureInfo.InvariantCulture,
                        $"walking all {allPages:N0} pages would take ~{estimate:F0} s (> {budgetSeconds} s): {jump.Outcome}"),
                    JumpOk = jump.Url is not null,
                };
            }

            if (pages > 1_000_000 / RosterPageSize + 10)
            {
                throw new BenchFailure($"the roster {first} has more pages than members allow: its Next links loop");
            }
        }

        return new RosterWalk(label, first, url, pages, rows, ids.Count, total, watch.Elapsed.TotalSeconds, Jumped: null);
    }

    private const int RosterPageSize = 50;

    private sealed record RosterWalk(string Label, string FirstUrl, string LastUrl, int Pages, int Rows, int Distinct, int Total, double Seconds, string? Jumped)
    {
        public bool JumpOk { get; init; }

        public double MeanMs => 1000 * Seconds / Pages;

        public bool Consistent => Jumped is null ? Rows == Total && Distinct == Total : JumpOk && Rows == Distinct;

        public string Describe() => Jumped is null
            ? string.Create(CultureInfo.InvariantCulture,
                $"roster {Label}: walked all {Pages:N0} pages in {Seconds:F0} s (mean {MeanMs:F1} ms a page), {Rows:N0} rows, {Distinct:N0} distinct, roster total {Total:N0}: {(Consistent ? "OK" : "MISMATCH")}")
            : string.Create(CultureInfo.InvariantCulture,
                $"roster {Label}: walked {Pages:N0} of {(Total + RosterPageSize - 1) / RosterPageSize:N0} pages in {Seconds:F0} s (mean {MeanMs:F1} ms a page; {Rows:N0} rows, {Distinct:N0} distinct); {Jumped}");
    }

    /// <summary>
    /// The last page's URL without walking: the cursor the site would put on the page before it,
    /// "{id}:{sort value}" in URL-safe base64 (as RosterQuery.Cursor writes it; checked first
    /// against the cursor the first page really links to), from the database's own ordering of
    /// the roster. The page it opens must hold exactly the database's last rows and no Next link.
    /// </summary>
    private static async Task<(string? Url, string Outcome)> LastPageFromDatabaseAsync(Browser browser, string databasePath, int creatorId, string? sort,
        string first, string? firstCursor, int firstPageLastId, int total, CancellationToken cancellationToken)
    {
        var (valueSql, orderSql) = sort switch
        {
            "paid" => ("m.\"LifetimePaidMinor\"", "m.\"LifetimePaidMinor\" DESC, m.\"Id\" DESC"),
            "name" => ("u.\"DisplayName\"", "u.\"DisplayName\", m.\"Id\""),
            _ => ("m.\"JoinedAt\"", "m.\"JoinedAt\" DESC, m.\"Id\" DESC"),
        };
        string Value(object value) => sort switch
        {
            "paid" => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            "name" => (string)value,
            _ => DateTime.Parse((string)value, CultureInfo.InvariantCulture).Ticks.ToString(CultureInfo.InvariantCulture),
        };

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync(cancellationToken);
        async Task<List<(int Id, string Value)>> RowsAsync(int offset, int count)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT m."Id", {valueSql} FROM "Members" AS m JOIN "AspNetUsers" AS u ON u."Id" = m."UserId"
                WHERE m."CreatorId" = $creator AND m."Status" <> 'Left'
                ORDER BY {orderSql} LIMIT $count OFFSET $offset
                """;
            command.Parameters.AddWithValue("$creator", creatorId);
            command.Parameters.AddWithValue("$count", count);
            command.Parameters.AddWithValue("$offset", offset);
            var rows = new List<(int, string)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt32(0), Value(reader.GetValue(1))));
            }

            return rows;
        }

        static string Cursor(int id, string value) =>
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{id}:{value}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var pageOne = await RowsAsync(RosterPageSize - 1, 1);
        if (firstCursor is null || pageOne.Count != 1 || pageOne[0].Id != firstPageLastId || Cursor(pageOne[0].Id, pageOne[0].Value) != firstCursor)
        {
            return (null, $"could not jump: the first page's cursor {firstCursor} is not the one made from the database ({(pageOne.Count == 1 ? Cursor(pageOne[0].Id, pageOne[0].Value) : "none")})");
        }

        var lastCount = total % RosterPageSize == 0 ? RosterPageSize : total % RosterPageSize;
        var before = await RowsAsync(total - lastCount - 1, 1);
        var expected = await RowsAsync(total - lastCount, lastCount);
        var url = first + (sort is null ? "?" : "&") + "after=" + Cursor(before[0].Id, before[0].Value);
        var (body, _) = await browser.GetAsync(url, cancellationToken);
        var shown = RosterRow().Matches(body).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        if (RosterNext().IsMatch(body) || !shown.SequenceEqual(expected.Select(e => e.Id)))
        {
            return (null, $"the page a database-made cursor opens is not the last page ({shown.Count} rows, {(RosterNext().IsMatch(body) ? "with" : "without")} a Next link; expected the last {lastCount})");
        }

        return (url, $"jumped to the last page with a cursor made from the database (the first page's own cursor matched that recipe); it shows exactly the last {lastCount} members and no Next link: OK");
    }

    private static string? Query(string url, string name)
    {
        var mark = url.IndexOf('?', StringComparison.Ordinal);
        var query = mark >= 0 ? url[(mark + 1)..] : "";
        return query.Split('&').Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0] == name).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();
    }

    /// <summary>
    /// One request of each kind with every database command recorded: time, rows, the site's code
    /// that ran it; then SQLite's plan for the slowest ones.
    /// </summary>
    private static async Task<List<string>> ProfileAsync(Browser browser, SqlProfiler profiler, string databasePath, string? sqlLog,
        IReadOnlyList<(string Url, int Plans)> requests, CancellationToken cancellationToken)
    {
        await using var log = sqlLog is null ? null : new StreamWriter(sqlLog);
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "", "profile: one request of each kind with the site's database commands timed (EF interceptor: sent until the reader is disposed, rows read and materialised included)" };
        await using var explain = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await explain.OpenAsync(cancellationToken);
        foreach (var (url, plans) in requests)
        {
            profiler.Take();
            profiler.Recording = true;
            Timing timing;
            try
            {
                (_, timing) = await browser.GetAsync(url, cancellationToken);
            }
            finally
            {
                profiler.Recording = false;
            }

            var calls = profiler.Take();
            var inSql = calls.Sum(c => c.Milliseconds);
            lines.Add(string.Create(inv,
                $"  GET {Shorten(url)}: {timing.ClientMs:F1} ms (site {timing.ServerMs:F1}); {calls.Count} commands {inSql:F1} ms ({100 * inSql / timing.ClientMs:F0} %); rest (auth, C#, view, loopback) {timing.ClientMs - inSql:F1} ms"));
            var seen = new Dictionary<string, int>();
            var named = calls.Select(call =>
            {
                seen[call.Caller] = seen.GetValueOrDefault(call.Caller) + 1;
                return (Call: call, Where: $"{call.Caller}, query {seen[call.Caller]}");
            }).ToList();
            foreach (var (call, where) in named)
            {
                lines.Add(string.Create(inv, $"    {call.Milliseconds,8:F1} ms {call.Rows,6} rows  {where}  [{Shape(call.Sql)}]"));
                if (log is not null)
                {
                    await log.WriteLineAsync(string.Create(inv, $"-- GET {url}: {where}, {call.Milliseconds:F1} ms, {call.Rows} rows"));
                    foreach (var (name, value) in call.Parameters)
                    {
                        await log.WriteLineAsync(string.Create(inv, $"--   {name} = {(value is string or DateTime ? $"'{value:yyyy-MM-dd HH:mm:ss}'" : value)}"));
                    }

                    await log.WriteLineAsync(call.Sql.TrimEnd() + ";");
                    await log.WriteLineAsync();
                }
            }

            foreach (var (call, where) in named.Where(c => c.Call.Milliseconds >= 1).OrderByDescending(c => c.Call.Milliseconds).Take(plans))
            {
                lines.Add(string.Create(inv, $"    plan of the {call.Milliseconds:F1} ms command ({where}):"));
                lines.AddRange((await PlanAsync(explain, call, cancellationToken)).Select(l => "        " + l));
            }
        }

        return lines;
    }

    /// <summary>EXPLAIN QUERY PLAN of a recorded command, with its parameters, as an indented tree.</summary>
    private static async Task<List<string>> PlanAsync(SqliteConnection connection, SqlCall call, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + call.Sql;
        foreach (var (name, value) in call.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var rows = new List<(long Id, long Parent, string Detail)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(3)));
            }
        }

        var depth = new Dictionary<long, int> { [0] = -1 };
        var lines = new List<string>();
        foreach (var (id, parent, detail) in rows)
        {
            depth[id] = depth.GetValueOrDefault(parent, -1) + 1;
            lines.Add(new string(' ', 2 * depth[id]) + detail);
        }

        return lines;
    }

    /// <summary>"MembershipChanges x2, Members; GROUP BY; 3 subqueries": what a command reads, without its whole text.</summary>
    private static string Shape(string sql)
    {
        var tables = TableName().Matches(sql).Select(m => m.Groups[1].Value).GroupBy(t => t)
            .Select(g => g.Count() > 1 ? $"{g.Key} x{g.Count()}" : g.Key);
        var parts = new List<string> { string.Join(", ", tables) };
        if (sql.Contains("GROUP BY", StringComparison.Ordinal))
        {
            parts.Add("GROUP BY" + (sql.Contains("strftime", StringComparison.Ordinal) ? " strftime" : ""));
        }

        if (sql.Contains("ORDER BY", StringComparison.Ordinal))
        {
            parts.Add("ORDER BY");
        }

        if (LimitClause().Match(sql) is { Success: true } limit)
        {
            parts.Add(limit.Value);
        }

        var selects = SelectKeyword().Matches(sql).Count;
        if (selects > 1)
        {
            parts.Add($"{selects - 1} subqueries");
        }

        return string.Join("; ", parts);
    }

    private static string Shorten(string url) => url.Length > 48 ? url[..45] + "..." : url;

    /// <summary>The demo creator, the month of the history's first line, and a line describing the data.</summary>
    private static async Task<(Creator Creator, DateOnly From, string Facts)> PrepareAsync(string databasePath, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        async Task<object?> ScalarAsync(string text, params (string Name, object Value)[] parameters)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = text;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            var result = await command.ExecuteScalarAsync(cancellationToken);
            return result is DBNull ? null : result;
        }

        Creator creator;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT c."Id", c."CreatedAt", c."TrueFanThresholdMinor", c."YearlyGoalMinor", c."Currency"
                FROM "Creators" AS c JOIN "AspNetUsers" AS u ON u."Id" = c."UserId"
                WHERE u."NormalizedEmail" = $email
                """;
            command.Parameters.AddWithValue("$email", DemoSeeder.CreatorEmail.ToUpperInvariant());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new BenchFailure($"the seeded database has no creator for {DemoSeeder.CreatorEmail}");
            }

            creator = new Creator
            {
                Id = reader.GetInt32(0), CreatedAt = reader.GetDateTime(1), TrueFanThresholdMinor = reader.GetInt64(2), YearlyGoalMinor = reader.GetInt64(3), Currency = reader.GetString(4),
            };
        }

        var firstLine = await ScalarAsync("""SELECT MIN("OccurredAt") FROM "MembershipChanges" WHERE "CreatorId" = $creator""", ("$creator", creator.Id))
            ?? throw new BenchFailure("the seeded creator has no membership history");
        var firstDay = DateTime.Parse((string)firstLine, CultureInfo.InvariantCulture);
        var from = new DateOnly(firstDay.Year, firstDay.Month, 1);

        var counts = new List<string>();
        foreach (var table in new[] { "Members", "MembershipChanges", "Payments", "Refunds", "Subscriptions" })
        {
            counts.Add($"{Convert.ToInt64(await ScalarAsync($"""SELECT COUNT(*) FROM "{table}" WHERE "CreatorId" = $creator""", ("$creator", creator.Id)), CultureInfo.InvariantCulture):N0} {table}");
        }

        var version = await ScalarAsync("SELECT sqlite_version()");
        return (creator, from, $"data: creator {creator.Id}: {string.Join(", ", counts)}; file {SeedCache.Megabytes(databasePath)} MB, SQLite {version}");
    }

    private static DateOnly ThisMonth()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return new DateOnly(today.Year, today.Month, 1);
    }



    [GeneratedRegex("data-metrics-url=\"/creator/dashboard/metrics\\.json\\?from=([0-9-]+)&amp;to=([0-9-]+)\"")]
    private static partial Regex MetricsUrl();

    [GeneratedRegex("data-test=\"roster-total\">(\\d+)<")]
    private static partial Regex RosterTotal();

    [GeneratedRegex("<tr data-test=\"roster-row\">\\s*<td><a href=\"/creator/members/(\\d+)\">")]
    private static partial Regex RosterRow();

    [GeneratedRegex("<a href=\"([^\"]+)\" data-test=\"roster-next\">")]
    private static partial Regex RosterNext();

    [GeneratedRegex("(?:FROM|JOIN)\\s+\"(\\w+)\"")]
    private static partial Regex TableName();

    [GeneratedRegex("LIMIT\\s+\\S+")]
    private static partial Regex LimitClause();

    [GeneratedRegex("\\bSELECT\\b")]
    private static partial Regex SelectKeyword();
}
