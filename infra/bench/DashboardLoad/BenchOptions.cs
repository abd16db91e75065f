using System.Globalization;

namespace Membership.Bench.DashboardLoad;

/// <summary>Command line of the benchmark.</summary>
internal sealed record BenchOptions(
    int Members, int Months, int Requests, int Warmup, int TimeoutSeconds, int WalkSeconds, string SeedFile, bool Profile, string? SqlLog)
{
    public const string Usage =
        "usage: DashboardLoad --seed-file PATH [--members N=100000] [--months M=36] [--requests R=20] [--warmup W=3] [--walk-seconds S=60] [--timeout-seconds S=1180] [--profile] [--sql-log FILE]";

    public static BenchOptions Parse(string[] args)
    {
        var members = 100_000;
        var months = 36;
        var requests = 20;
        var warmup = 3;
        var timeoutSeconds = 1_180;
        var walkSeconds = 60;
        string? seedFile = null;
        var profile = false;
        string? sqlLog = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--members": members = Whole(args, ref i, min: 1, max: 1_000_000); break;
                case "--months": months = Whole(args, ref i, min: 1, max: 120); break;
                case "--requests": requests = Whole(args, ref i, min: 1, max: 10_000); break;
                case "--warmup": warmup = Whole(args, ref i, min: 0, max: 1_000); break;
                case "--timeout-seconds": timeoutSeconds = Whole(args, ref i, min: 1, max: int.MaxValue); break;
                case "--walk-seconds": walkSeconds = Whole(args, ref i, min: 1, max: int.MaxValue); break;
                case "--seed-file":
                    if (++i >= args.Length || string.IsNullOrWhiteSpace(args[i]))
                    {
                        throw new ArgumentException($"--seed-file needs a path.\n{Usage}");
                    }

                    seedFile = Path.GetFullPath(args[i]);
                    break;
                case "--profile": profile = true; break;
                case "--sql-log":
                    if (++i >= args.Length || string.IsNullOrWhiteSpace(args[i]))
                    {
                        throw new ArgumentException($"--sql-log needs a file.\n{Usage}");
                    }

                    sqlLog = Path.GetFullPath(args[i]);
                    profile = true;
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (seedFile is null)
        {
            throw new ArgumentException($"--seed-file is required (the seeded SQLite file, made when missing).\n{Usage}");
        }

        return new BenchOptions(members, months, requests, warmup, timeoutSeconds, walkSeconds, seedFile, profile, sqlLog);
    }

    private static int Whole(string[] args, ref int i, int min, int max)
    {
        var name = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"{name} needs a whole number from {min} to {max}.\n{Usage}");
        }

        return value;
    }
}
