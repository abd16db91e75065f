using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Membership.Bench;

/// <summary>The benchmark found something broken (not a slow machine): exit non-zero.</summary>
internal sealed class BenchFailure(string message) : Exception(message);

/// <summary>
/// What every benchmark program does around its run (compiled into each of them from
/// infra/bench/Shared): a temp folder for the site's data, a time limit, and one exit code per outcome.
/// </summary>
internal static class BenchRun
{
    /// <summary>
    /// Runs <paramref name="run"/> with a fresh temp folder, cancelled after
    /// <paramref name="timeoutSeconds"/>. Returns its exit code, or 1 after printing what broke
    /// (a <see cref="BenchFailure"/>, the time limit, or any other exception) as "name: …".
    /// </summary>
    public static async Task<int> MainAsync(string name, int timeoutSeconds, Func<string, CancellationToken, Task<int>> run)
    {
        // WebApplicationFactory finds the site's content root (EmailTemplates/, wwwroot/) through
        // MvcTestingAppManifest.json in the current directory, as a test runner would have it.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var dataDirectory = Directory.CreateTempSubdirectory($"membership-bench-{name}-").FullName;
        try
        {
            return await run(dataDirectory, timeout.Token);
        }
        catch (BenchFailure failure)
        {
            Console.Error.WriteLine($"{name}: FAILED: {failure.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{name}: gave up after {timeoutSeconds} s");
            return 1;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"{name}: FAILED: {exception}");
            return 1;
        }
        finally
        {
            // Pooled SQLite connections keep the site's database file open.
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>"1.52 1.71 1.80" (1, 5 and 15 minutes), or "?" off Linux.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>The CPU's model name from /proc/cpuinfo, or the architecture off Linux.</summary>
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
