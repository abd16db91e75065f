using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// A real SMTP server for the tests: Debian's aiosmtpd on a free loopback port, storing what
/// it accepts in a Maildir that the test reads back. <see cref="FaultyMailbox"/> adds a
/// permanent 550 for some recipients and a dropped connection at the Nth message.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private Process? _process;

    private SmtpServer(int port, string maildir)
    {
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>Picks a free port without starting (to test "SMTP down", then <see cref="StartAsync"/> later).</summary>
    public static SmtpServer Reserve()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        // aiosmtpd makes the Maildir (cur/new/tmp) only when the folder does not exist yet.
        return new SmtpServer(port, Path.Combine(Directory.CreateTempSubdirectory("membership-smtp-").FullName, "maildir"));
    }

    public static async Task<SmtpServer> StartNewAsync(string rejectPrefix = "-", int dropAt = 0, string tempFailPrefix = "-")
    {
        var server = Reserve();
        await server.StartAsync(rejectPrefix, dropAt, tempFailPrefix);
        return server;
    }

    public async Task StartAsync(string rejectPrefix = "-", int dropAt = 0, string tempFailPrefix = "-")
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "smtp_faults.FaultyMailbox", Maildir, rejectPrefix, dropAt.ToString(System.Globalization.CultureInfo.InvariantCulture), tempFailPrefix },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PYTHONPATH"] = Path.Combine(AppContext.BaseDirectory, "Email");
        _process = Process.Start(start) ?? throw new InvalidOperationException("aiosmtpd did not start (install python3-aiosmtpd).");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("aiosmtpd exited: " + await _process.StandardError.ReadToEndAsync());
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"aiosmtpd did not listen on {Port} within 15 s.");
    }

    /// <summary>Every message the server accepted, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(Maildir, "new");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(path => MimeMessage.Load(path)).ToList()
            : [];
    }

    /// <summary>Recipient addresses of every accepted message (one per message here).</summary>
    public IReadOnlyList<string> Recipients() =>
        Messages().SelectMany(m => m.To.Mailboxes.Select(x => x.Address.ToLowerInvariant())).ToList();

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        var root = Path.GetDirectoryName(Maildir)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
