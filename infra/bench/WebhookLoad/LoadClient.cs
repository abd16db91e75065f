using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Membership.Bench.WebhookLoad;

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> workers over one HttpClient with as many
/// keep-alive HTTP/1.1 connections, each sending its next request as soon as the last one is
/// answered, until <c>count</c> requests were sent. Every request is timed from just before it is
/// sent until its response (status line, headers and body) is read.
/// </summary>
internal sealed class LoadClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly int _concurrency;

    public LoadClient(Uri baseAddress, int concurrency)
    {
        _concurrency = concurrency;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>Sends <paramref name="count"/> requests, request <c>i</c> made by <paramref name="make"/>(i).</summary>
    public async Task<LoadResult> RunAsync(string name, int count, Func<int, HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        var latencies = new long[count];
        var statuses = new int[count];
        var failures = new string?[count];
        var next = -1;
        var cpu = CpuTime();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(_concurrency, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var request = make(i);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                    latencies[i] = Stopwatch.GetTimestamp() - start;
                    statuses[i] = (int)response.StatusCode;
                    if (!response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadAsStringAsync(cancellationToken);
                        failures[i] = $"HTTP {statuses[i]}: {(body.Length > 200 ? body[..200] : body)}";
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    latencies[i] = Stopwatch.GetTimestamp() - start;
                    failures[i] = exception.GetType().Name + ": " + exception.Message;
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        watch.Stop();
        return new LoadResult(name, count, watch.Elapsed, latencies, statuses, failures, CpuTime() - cpu,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(2) - gen2);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>This process's CPU time (client and site share it), to tell CPU-bound from waiting.</summary>
    public static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}

/// <summary>One measured run (or several of the same kind, combined): throughput, latency percentiles and errors.</summary>
internal sealed class LoadResult
{
    private readonly long[] _latencies;
    private readonly int[] _statuses;
    private readonly string?[] _failures;
    private double[]? _sortedMs;

    public LoadResult(string name, int count, TimeSpan elapsed, long[] latencies, int[] statuses, string?[] failures, TimeSpan cpu, int gen0, int gen2)
    {
        Name = name;
        Count = count;
        Elapsed = elapsed;
        Cpu = cpu;
        Gen0 = gen0;
        Gen2 = gen2;
        _latencies = latencies;
        _statuses = statuses;
        _failures = failures;
        Errors = failures.Count(f => f is not null);
    }

    /// <summary>The runs as one: requests and times added up, percentiles over every request.</summary>
    public static LoadResult Combine(string name, IReadOnlyList<LoadResult> runs) => new(
        name,
        runs.Sum(r => r.Count),
        TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)),
        runs.SelectMany(r => r._latencies).ToArray(),
        runs.SelectMany(r => r._statuses).ToArray(),
        runs.SelectMany(r => r._failures).ToArray(),
        TimeSpan.FromTicks(runs.Sum(r => r.Cpu.Ticks)),
        runs.Sum(r => r.Gen0),
        runs.Sum(r => r.Gen2));

    public string Name { get; }

    public int Count { get; }

    public TimeSpan Elapsed { get; }

    public TimeSpan Cpu { get; }

    public int Gen0 { get; }

    public int Gen2 { get; }

    /// <summary>Requests that got no 2xx answer (another status, or none).</summary>
    public int Errors { get; }

    /// <summary>The most frequent failures, "12 x HTTP 400: ...".</summary>
    public IReadOnlyList<string> FirstErrors =>
        _failures.Where(f => f is not null).GroupBy(f => f!).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}").Take(5).ToList();

    /// <summary>Answers by HTTP status (requests without an answer left out).</summary>
    public IReadOnlyDictionary<int, int> Statuses =>
        _statuses.Where(s => s != 0).GroupBy(s => s).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Requests answered with 2xx per second of the runs' wall time.</summary>
    public double Rate => (Count - Errors) / Elapsed.TotalSeconds;

    public double Mean => SortedMs.Average();

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double Max => SortedMs[^1];

    private double[] SortedMs => _sortedMs ??= _latencies.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();

    /// <summary>Nearest-rank percentile, in milliseconds.</summary>
    public double Percentile(double q) => SortedMs[Math.Clamp((int)Math.Ceiling(q * SortedMs.Length) - 1, 0, SortedMs.Length - 1)];

    /// <summary>"1.23 ms/req, 97 % of 2 cores".</summary>
    public string CpuSummary => string.Create(CultureInfo.InvariantCulture,
        $"{Cpu.TotalMilliseconds / Count:F2} ms/req, {100 * Cpu / Elapsed / Environment.ProcessorCount:F0} % of {Environment.ProcessorCount} cores");
}
