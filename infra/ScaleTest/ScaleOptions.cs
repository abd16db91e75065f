using System.Globalization;

namespace Membership.ScaleTest;

/// <summary>Command line of the scale test (infra/scale-test.sh passes the published site and the PostgreSQL server).</summary>
internal sealed record ScaleOptions(string PublishDir, string Postgres, string WorkDir, int Members, int Connections, int TimeoutSeconds)
{
    public const string Usage =
        "usage: ScaleTest --publish-dir DIR --postgres \"Host=...;Port=...;Username=...\" --work-dir DIR [--members N=10000] [--connections C=4] [--timeout-seconds S=900]";

    public static ScaleOptions Parse(string[] args)
    {
        string? publishDir = null, postgres = null, workDir = null;
        var members = 10_000;
        var connections = 4;
        var timeoutSeconds = 900;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--publish-dir": publishDir = Text(args, ref i); break;
                case "--postgres": postgres = Text(args, ref i); break;
                case "--work-dir": workDir = Text(args, ref i); break;
                case "--members": members = Positive(args, ref i); break;
                case "--connections": connections = Positive(args, ref i); break;
                case "--timeout-seconds": timeoutSeconds = Positive(args, ref i); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (publishDir is null || !File.Exists(Path.Combine(publishDir, "Membership.Web.dll")))
        {
            throw new ArgumentException($"--publish-dir must hold the published site (Membership.Web.dll).\n{Usage}");
        }

        if (postgres is null || workDir is null)
        {
            throw new ArgumentException($"--postgres and --work-dir are required.\n{Usage}");
        }

        if (members < 100)
        {
            throw new ArgumentException("--members must be at least 100, so a worker can be killed mid-delivery.");
        }

        return new ScaleOptions(Path.GetFullPath(publishDir), postgres, Path.GetFullPath(workDir), members, connections, timeoutSeconds);
    }

    private static string Text(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.\n{Usage}");

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
