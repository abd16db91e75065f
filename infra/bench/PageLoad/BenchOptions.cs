using System.Globalization;

namespace Membership.Bench.PageLoad;

/// <summary>Command line of the benchmark.</summary>
internal sealed record BenchOptions(int DurationSeconds, int WarmupSeconds, int Connections, int Threads, int TimeoutSeconds)
{
    public const string Usage =
        "usage: PageLoad [--duration S=10] [--warmup S=3] [--connections C=32] [--threads T=2] [--timeout-seconds S=580]";

    public static BenchOptions Parse(string[] args)
    {
        var duration = 10;
        var warmup = 3;
        var connections = 32;
        var threads = 2;
        var timeoutSeconds = 580;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--duration": duration = Whole(args, ref i, min: 1, max: 60); break;
                case "--warmup": warmup = Whole(args, ref i, min: 0, max: 30); break;
                case "--connections": connections = Whole(args, ref i, min: 1, max: 1_000); break;
                case "--threads": threads = Whole(args, ref i, min: 1, max: 64); break;
                case "--timeout-seconds": timeoutSeconds = Whole(args, ref i, min: 1, max: int.MaxValue); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (threads > connections)
        {
            throw new ArgumentException($"--threads ({threads}) cannot exceed --connections ({connections}): wrk gives each thread at least one connection.\n{Usage}");
        }

        return new BenchOptions(duration, warmup, connections, threads, timeoutSeconds);
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
