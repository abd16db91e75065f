using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// A real Azure Blob Storage for the tests: Azurite (pinned in infra/tools/package.json, installed
/// by infra/test.sh) on a free loopback port, keeping its blobs in a temporary folder that goes
/// away with it. One per test collection; each test uses its own container.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented; not a secret).</summary>
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _location;

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    /// <summary>A container name no other test uses.</summary>
    public static string NewContainerName(string prefix = "test") => $"{prefix}-{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        var root = RepositoryRoot();
        var tools = Path.Combine(root, "infra", "tools");
        var binary = Path.Combine(tools, "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ({binary} is missing). Install it with: (cd {tools} && npm ci --no-audit --no-fund); infra/test.sh does this before the tests.");
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _location = Directory.CreateTempSubdirectory("membership-azurite-").FullName;

        var start = new ProcessStartInfo(binary)
        {
            // --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows.
            ArgumentList =
            {
                "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--location", _location, "--silent", "--skipApiVersionCheck", "--disableTelemetry",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        // Read both pipes as they come: a full pipe would stall the server; the text explains a failed start.
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}: {Output()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"Azurite did not listen on {Port} within 30 s: {Output()}");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_location is not null && Directory.Exists(_location))
        {
            Directory.Delete(_location, recursive: true);
        }
    }

    /// <summary>The checkout the tests were built from: they run from its tests/…/bin folder.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Membership.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Membership.sln above {AppContext.BaseDirectory}: cannot find infra/tools for Azurite.");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}

/// <summary>Tests sharing one Azurite process.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteServer>
{
    public const string Name = "Azurite";
}
