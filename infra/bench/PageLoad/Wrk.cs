using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Membership.Bench.PageLoad;

/// <summary>What one wrk run reported.</summary>
internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, double BytesRead, long Non2xx, string SocketErrors, string Output)
{
    /// <summary>Bytes per response, headers included: a run answered by redirects or error pages shows here.</summary>
    public double BytesPerResponse => Requests == 0 ? 0 : BytesRead / Requests;
}

/// <summary>
/// Runs wrk (HTTP/1.1 keep-alive, <c>--latency</c>) against one URL and reads requests/s, the
/// latency percentiles, the non-2xx count and the socket errors from its report.
/// </summary>
internal static partial class Wrk
{
    public static async Task<WrkResult> RunAsync(Uri url, string? cookie, int threads, int connections, int seconds, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--timeout", "10s", "--latency" })
        {
            start.ArgumentList.Add(argument);
        }

        if (cookie is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add($"Cookie: {cookie}");
        }

        start.ArgumentList.Add(url.ToString());
        using var process = Process.Start(start) ?? throw new BenchFailure("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new BenchFailure($"wrk on {url} did not finish within {seconds + 30} s");
        }

        var report = await output;
        if (process.ExitCode != 0)
        {
            throw new BenchFailure($"wrk on {url} exited with {process.ExitCode}: {await errors}{report}");
        }

        var rate = RequestsPerSecond().Match(report);
        var p50 = Percentile(report, "50%");
        var p99 = Percentile(report, "99%");
        var total = TotalRequests().Match(report);
        if (!rate.Success || p50 is null || p99 is null || !total.Success)
        {
            throw new BenchFailure($"could not read wrk's report for {url}:\n{report}");
        }

        var non2xx = Non2xx().Match(report);
        var socket = SocketErrors().Match(report);
        return new WrkResult(
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            p50.Value,
            p99.Value,
            long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(total.Groups[2].Value, CultureInfo.InvariantCulture) * total.Groups[3].Value switch
            {
                "B" => 1d,
                "KB" => 1024d,
                "MB" => 1024d * 1024,
                "GB" => 1024d * 1024 * 1024,
                _ => 1024d * 1024 * 1024 * 1024,
            },
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            socket.Success ? socket.Groups[1].Value.Trim() : "",
            report);
    }

    /// <summary>A line such as <c>     99%    1.25ms</c> of the latency distribution, in milliseconds.</summary>
    private static double? Percentile(string report, string label)
    {
        var match = Regex.Match(report, $@"^\s*{Regex.Escape(label)}\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return null;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s*([0-9]+) requests in [^,]+, ([0-9.]+)(B|KB|MB|GB|TB) read", RegexOptions.Multiline)]
    private static partial Regex TotalRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+([0-9]+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors:([^\n]+)")]
    private static partial Regex SocketErrors();
}
