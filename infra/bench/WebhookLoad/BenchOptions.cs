using System.Globalization;

namespace Membership.Bench.WebhookLoad;

/// <summary>Command line of the benchmark.</summary>
internal sealed record BenchOptions(int Events, int Concurrency, int Warmup, int Rounds, int TimeoutSeconds, bool Profile)
{
    public const string Usage =
        "usage: WebhookLoad [--events N=5000] [--concurrency C=16] [--warmup W=1000] [--rounds R=5] [--timeout-seconds S=580] [--profile]";

    public static BenchOptions Parse(string[] args)
    {
        var events = 5_000;
        var concurrency = 16;
        var warmup = 1_000;
        var rounds = 5;
        var timeoutSeconds = 580;
        var profile = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--events": events = Whole(args, ref i, min: 1); break;
                case "--concurrency": concurrency = Whole(args, ref i, min: 1); break;
                case "--warmup": warmup = Whole(args, ref i, min: 0); break;
                case "--rounds": rounds = Whole(args, ref i, min: 1); break;
                case "--timeout-seconds": timeoutSeconds = Whole(args, ref i, min: 1); break;
                case "--profile": profile = true; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (concurrency > 1_000)
        {
            throw new ArgumentException($"--concurrency is at most 1000.\n{Usage}");
        }

        if (events > 10_000_000)
        {
            throw new ArgumentException($"--events is at most 10000000.\n{Usage}");
        }

        return new BenchOptions(events, concurrency, warmup, Math.Min(rounds, events), timeoutSeconds, profile);
    }

    private static int Whole(string[] args, ref int i, int min)
    {
        var name = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"{name} needs a whole number >= {min}.\n{Usage}");
        }

        return value;
    }
}
