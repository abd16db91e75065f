using System.Globalization;

namespace Membership.Bench.WebhookLoad;

/// <summary>Command line of the benchmark.</summary>
internal sealed record BenchOptions(int Events, int Concurrency, int Warmup, int TimeoutSeconds)
{
    public const string Usage =
        "usage: WebhookLoad [--events N=5000] [--concurrency C=16] [--warmup W=1000] [--timeout-seconds S=580]";

    public static BenchOptions Parse(string[] args)
    {
        var events = 5_000;
        var concurrency = 16;
        var warmup = 1_000;
        var timeoutSeconds = 580;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--events": events = Whole(args, ref i, min: 1); break;
                case "--concurrency": concurrency = Whole(args, ref i, min: 1); break;
                case "--warmup": warmup = Whole(args, ref i, min: 0); break;
                case "--timeout-seconds": timeoutSeconds = Whole(args, ref i, min: 1); break;
                case "-h" or "--help": throw new ArgumentException(Usage);
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (concurrency > 1_000)
        {
            throw new ArgumentException($"--concurrency is at most 1000.\n{Usage}");
        }

        return new BenchOptions(events, concurrency, warmup, timeoutSeconds);
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
