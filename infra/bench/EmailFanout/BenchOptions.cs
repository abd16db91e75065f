using System.Globalization;

namespace Membership.Bench.EmailFanout;

/// <summary>Command line of the benchmark (the script passes the sink's port).</summary>
internal sealed record BenchOptions(int Port, int Members, int Connections, int Runs, int BatchSize, int TimeoutSeconds, bool Profile)
{
    public const string Usage =
        "usage: EmailFanout --port P [--members N=10000] [--connections C=4] [--runs R=6] [--batch-size B=2000] [--timeout-seconds S=600] [--profile]";

    public static BenchOptions Parse(string[] args)
    {
        int? port = null;
        var members = 10_000;
        var connections = 4;
        var runs = 6;
        var batchSize = 2_000;
        var timeoutSeconds = 600;
        var profile = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port": port = Positive(args, ref i); break;
                case "--members": members = Positive(args, ref i); break;
                case "--connections": connections = Positive(args, ref i); break;
                case "--runs": runs = Positive(args, ref i); break;
                case "--batch-size": batchSize = Positive(args, ref i); break;
                case "--timeout-seconds": timeoutSeconds = Positive(args, ref i); break;
                case "--profile": profile = true; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (port is null or > 65535)
        {
            throw new ArgumentException($"--port of the SMTP sink on 127.0.0.1 is required.\n{Usage}");
        }

        return new BenchOptions(port.Value, members, connections, runs, batchSize, timeoutSeconds, profile);
    }

    private static int Positive(string[] args, ref int i)
    {
        var name = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"{name} needs a positive whole number.\n{Usage}");
        }

        return value;
    }
}
