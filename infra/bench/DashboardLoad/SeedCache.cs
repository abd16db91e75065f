using System.Diagnostics;
using System.Globalization;
using Membership.Web.Infrastructure;
using Membership.Web.Host;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Membership.Bench.DashboardLoad;

/// <summary>
/// The seeded SQLite file, made once per (members, months, month seeded, seeding code) and kept
/// between runs (the script names the file from those). Seeding runs the site's own
/// <c>seed-demo --members N --months M</c> steps in-process (DemoSeeder, then DemoHistory) on a
/// ".partial" file that is renamed only when complete, so an interrupted run leaves no cache.
/// </summary>
internal static class SeedCache
{
    public static async Task EnsureAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        if (File.Exists(options.SeedFile))
        {
            Console.WriteLine($"seeded database: {options.SeedFile} ({Megabytes(options.SeedFile)} MB, cached; seeding not repeated)");
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(options.SeedFile)!);
        var partial = options.SeedFile + ".partial";
        Delete(partial);
        var dataDirectory = Directory.CreateTempSubdirectory("membership-bench-dashboard-seed-").FullName;
        Console.WriteLine($"seeding {options.Members:N0} members over {options.Months} months (seed-demo's DemoSeeder + DemoHistory, in-process; cached for later runs) ...");
        var watch = Stopwatch.StartNew();
        try
        {
            var site = new BenchSite(partial, dataDirectory);
            try
            {
                site.Start();
                using var progress = new CancellationTokenSource();
                var reporter = ReportProgressAsync(partial, options.Members, watch, progress.Token);
                await using (var scope = site.Services.CreateAsyncScope())
                {
                    var creator = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
                    var fee = scope.ServiceProvider.GetRequiredService<IOptions<PlatformSettings>>().Value.FeePercent;
                    await scope.ServiceProvider.GetRequiredService<DemoHistory>().GenerateAsync(creator, options.Members, options.Months, fee, cancellationToken);
                }

                await progress.CancelAsync();
                await reporter;
            }
            finally
            {
                await site.DisposeAsync();
                SqliteConnection.ClearAllPools();
            }

            // Fold the WAL into the file, so the one file is the whole database.
            await using (var connection = new SqliteConnection($"Data Source={partial};Pooling=False"))
            {
                await connection.OpenAsync(cancellationToken);
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await checkpoint.ExecuteNonQueryAsync(cancellationToken);
            }

            Delete(partial + "-wal");
            Delete(partial + "-shm");
            File.Move(partial, options.SeedFile, overwrite: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seeded in {watch.Elapsed.TotalSeconds:F0} s: {options.SeedFile} ({Megabytes(options.SeedFile)} MB)"));
        }
        finally
        {
            Delete(partial);
            Delete(partial + "-wal");
            Delete(partial + "-shm");
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>A line every 30 s: members written so far (read beside the writer, as WAL allows).</summary>
    private static async Task ReportProgressAsync(string path, int members, Stopwatch watch, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
                await connection.OpenAsync(cancellationToken);
                await using var count = connection.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM \"Members\"";
                var done = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ... {done:N0} of {members:N0} members after {watch.Elapsed.TotalSeconds:F0} s"));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SqliteException exception)
        {
            Console.WriteLine($"  (progress not readable: {exception.Message})");
        }
    }

    public static long Megabytes(string path) => new FileInfo(path).Length / (1024 * 1024);

    private static void Delete(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
