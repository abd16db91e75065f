using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;

namespace Membership.BrowserTests;

/// <summary>All browser tests share one published site and one Chromium, and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PublishedSiteCollection : ICollectionFixture<PublishedSite>
{
    public const string Name = "Published site";
}

/// <summary>
/// The site as it ships: the published <c>Membership.Web.dll</c> run with <c>dotnet</c> on a free
/// loopback port (Production settings, a fresh SQLite data folder and mail pickup folder), and a
/// headless Chromium driven by Playwright. The site and its commands are started from an
/// unrelated empty folder (<see cref="WorkingDirectory"/>), as a service manager starts them
/// (systemd's default is <c>/</c>): the site must find its settings, styles and email templates
/// in its own folder, not in the current one.
/// </summary>
/// <remarks>
/// <c>MEMBERSHIP_PUBLISH_DIR</c> names an existing publish folder; without it the fixture runs
/// <c>dotnet publish</c> itself. <c>MEMBERSHIP_CHROMIUM_PATH</c> overrides <c>/usr/bin/chromium</c>.
/// </remarks>
public sealed partial class PublishedSite : IAsyncLifetime
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private const int MaxLogChars = 200_000;

    private readonly StringBuilder _log = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"membership-browser-{Guid.NewGuid():N}");
    private Process? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private bool _ownsPublishDirectory;
    private bool _disposed;

    /// <summary>Where the site runs, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    public string PublishDirectory { get; private set; } = "";

    /// <summary>An address the site makes an admin when it confirms (<c>Admin:Emails</c>): the operator of the journeys.</summary>
    public const string OperatorEmail = "operator@example.com";

    /// <summary>Whether a journey already signed the operator up on this site (see <c>Journeys.OperatorAsync</c>).</summary>
    public bool OperatorSignedUp { get; set; }

    /// <summary>Screenshots of <paramref name="page"/> as it is now, at 1280 px and at a phone's 390 px, under the artifacts folder's <c>screens/</c>.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(ArtifactsDirectory, "screens");
        Directory.CreateDirectory(directory);
        var size = page.ViewportSize;
        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}-{width}.png"), FullPage = true });
            // Nothing may make the page itself scroll sideways (a wide table scrolls inside its card).
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{name} is {overflow} px wider than a {width} px screen");
        }

        if (size is not null)
        {
            await page.SetViewportSizeAsync(size.Width, size.Height);
        }
    }

    /// <summary>The built-in Stripe emulator's port: fixed for this site, so it is the same after a restart.</summary>
    public int EmulatorPort { get; private set; }

    /// <summary>Kills the site's process (no graceful stop, as a crash or a power cut) and starts it again on the same folders and ports.</summary>
    public async Task RestartAsync()
    {
        StopServer();
        AppendLog("---- restarted by the test ----");
        StartServer();
        await WaitUntilHealthyAsync();
    }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The current directory the site and its commands start in: empty, and neither the publish folder nor the data folder.</summary>
    public string WorkingDirectory => Path.Combine(_root, "elsewhere");

    /// <summary>The site's email pickup folder: one .eml file per message sent.</summary>
    public string MailDirectory => Path.Combine(_root, "mail");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The site fixture is not started.");

    /// <summary>The repository root (the folder holding Membership.sln), or null when the tests run outside it.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where failure screenshots go: <c>MEMBERSHIP_ARTIFACTS_DIR</c>, else <c>{repo}/artifacts/browser</c>.</summary>
    public static string ArtifactsDirectory { get; } =
        NonEmpty(Environment.GetEnvironmentVariable("MEMBERSHIP_ARTIFACTS_DIR"))
        ?? Path.Combine(RepositoryRoot ?? AppContext.BaseDirectory, "artifacts", "browser");

    /// <summary>What the site has written to stdout and stderr so far.</summary>
    public string ServerLog
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            Directory.CreateDirectory(DataDirectory);
            Directory.CreateDirectory(MailDirectory);
            Directory.CreateDirectory(WorkingDirectory);
            PublishDirectory = await FindOrPublishAsync();
            var port = FreeLoopbackPort();
            BaseUrl = $"http://127.0.0.1:{port}";
            EmulatorPort = FreeLoopbackPort();
            StartServer();
            await WaitUntilHealthyAsync();

            Assertions.SetDefaultExpectTimeout(15_000);
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath(),
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                ],
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh browser context (own cookies: one person) whose relative URLs resolve against the site.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = BaseUrl,
            ViewportSize = new() { Width = 1280, Height = 900 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(20_000);
        context.SetDefaultNavigationTimeout(30_000);
        return context;
    }

    /// <summary>
    /// The newest email sent to <paramref name="to"/> (optionally with <paramref name="subject"/>),
    /// waiting for it to be written to the pickup folder.
    /// </summary>
    public async Task<ReceivedEmail> WaitForEmailAsync(string to, string? subject = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (NewestEmail(to, subject) is { } email)
            {
                return email;
            }

            if (clock.Elapsed > limit)
            {
                var files = Directory.Exists(MailDirectory)
                    ? string.Join(", ", Directory.EnumerateFiles(MailDirectory).Select(Path.GetFileName))
                    : "(no folder)";
                throw new TimeoutException(
                    $"No email to {to}{(subject is null ? "" : $" with subject \"{subject}\"")} reached {MailDirectory} " +
                    $"within {limit.TotalSeconds:0} s. Files there: {files}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The first http(s) link in the text body of the newest email to <paramref name="to"/>.</summary>
    public async Task<string> WaitForEmailLinkAsync(string to, string? subject = null)
    {
        var email = await WaitForEmailAsync(to, subject);
        return email.FirstLink ?? throw new InvalidOperationException(
            $"The email \"{email.Subject}\" to {to} has no link in its text body:\n{email.TextBody}");
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        StopServer();
        try
        {
            // Kept with the screenshots: what the site logged over the whole run.
            Directory.CreateDirectory(ArtifactsDirectory);
            await File.WriteAllTextAsync(Path.Combine(ArtifactsDirectory, "site.log"), ServerLog);
        }
        catch (IOException)
        {
        }

        DeleteQuietly(_root);
        if (_ownsPublishDirectory)
        {
            DeleteQuietly(PublishDirectory);
        }
    }

    private ReceivedEmail? NewestEmail(string to, string? subject)
    {
        if (!Directory.Exists(MailDirectory))
        {
            return null;
        }

        // File names start with a UTC timestamp, so the newest sorts last. Only finished .eml
        // files are read: the site writes a .tmp file and renames it.
        foreach (var file in Directory.EnumerateFiles(MailDirectory, "*.eml").OrderByDescending(Path.GetFileName, StringComparer.Ordinal))
        {
            using var message = MimeMessage.Load(file);
            var addressed = message.To.Mailboxes.Any(m => string.Equals(m.Address, to, StringComparison.OrdinalIgnoreCase));
            if (addressed && (subject is null || string.Equals(message.Subject, subject, StringComparison.Ordinal)))
            {
                var text = message.TextBody ?? "";
                var link = LinkPattern().Match(text);
                return new ReceivedEmail(file, message.Subject ?? "", text, link.Success ? link.Value : null);
            }
        }

        return null;
    }

    private async Task<string> FindOrPublishAsync()
    {
        if (NonEmpty(Environment.GetEnvironmentVariable("MEMBERSHIP_PUBLISH_DIR")) is { } configured)
        {
            var directory = Path.GetFullPath(configured);
            if (!File.Exists(Path.Combine(directory, "Membership.Web.dll")))
            {
                throw new InvalidOperationException($"MEMBERSHIP_PUBLISH_DIR={directory} has no Membership.Web.dll. Run dotnet publish first.");
            }

            return directory;
        }

        var root = RepositoryRoot ?? throw new InvalidOperationException(
            $"MEMBERSHIP_PUBLISH_DIR is not set and no Membership.sln was found above {AppContext.BaseDirectory}.");
        var output = Path.Combine(Path.GetTempPath(), $"membership-publish-{Guid.NewGuid():N}");
        _ownsPublishDirectory = true;
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", Path.Combine(root, "src", "Membership.Web"), "-c", "Release", "-o", output, "--nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(PublishTimeout);
        try
        {
            await publish.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            publish.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish took longer than {PublishTimeout.TotalMinutes:0} minutes.");
        }

        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return output;
    }

    /// <summary>Runs one of the site's commands (e.g. <c>seed-demo</c>) on the running site's data, as an operator would; returns its output.</summary>
    public async Task<string> RunCommandAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(PublishDirectory, "Membership.Web.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["App__DataDirectory"] = DataDirectory;
        start.Environment["App__BaseUrl"] = BaseUrl;
        start.Environment["Email__PickupDirectory"] = MailDirectory;
        using var command = Process.Start(start) ?? throw new InvalidOperationException("Could not start the command.");
        var output = command.StandardOutput.ReadToEndAsync();
        var errors = command.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await command.WaitForExitAsync(limit.Token);
        var text = await output + await errors;
        if (command.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', arguments)}' exited with {command.ExitCode}: {text}");
        }

        return text;
    }

    private void StartServer()
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(PublishDirectory, "Membership.Web.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUrl);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["App__DataDirectory"] = DataDirectory;
        start.Environment["App__BaseUrl"] = BaseUrl;
        start.Environment["Email__PickupDirectory"] = MailDirectory;
        start.Environment["Security__RequireHttps"] = "false";
        start.Environment["Admin__Emails__0"] = OperatorEmail;
        start.Environment["Stripe__EmulatorPort"] = EmulatorPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Security__AuthRateLimitPermits"] = "10000";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        start.Environment.Remove("ASPNETCORE_HTTPS_PORTS");

        var server = new Process { StartInfo = start, EnableRaisingEvents = true };
        server.OutputDataReceived += (_, e) => AppendLog(e.Data);
        server.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        if (!server.Start())
        {
            throw new InvalidOperationException("Could not start the site.");
        }

        _server = server;
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (clock.Elapsed < StartupTimeout)
        {
            if (_server is null || _server.HasExited)
            {
                throw new InvalidOperationException(
                    $"The site exited during startup (code {_server?.ExitCode}). Its output:\n{ServerLog}");
            }

            try
            {
                using var response = await http.GetAsync($"{BaseUrl}/healthz/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(PollInterval);
        }

        throw new TimeoutException(
            $"{BaseUrl}/healthz/ready did not answer 200 within {StartupTimeout.TotalSeconds:0} s (last: {last}). The site's output:\n{ServerLog}");
    }

    private void StopServer()
    {
        if (_server is null)
        {
            return;
        }

        try
        {
            if (!_server.HasExited)
            {
                _server.Kill(entireProcessTree: true);
                _server.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _server.Dispose();
        _server = null;
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length > MaxLogChars)
            {
                _log.Remove(0, _log.Length - (MaxLogChars / 2));
            }

            _log.AppendLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ChromiumPath()
    {
        var path = NonEmpty(Environment.GetEnvironmentVariable("MEMBERSHIP_CHROMIUM_PATH")) ?? "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"No Chromium at {path}. Install it with: apt-get install -y chromium");
    }

    /// <summary>The dotnet host running the tests (set by dotnet test), else dotnet on the PATH.</summary>
    private static string DotnetHost() =>
        NonEmpty(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")) is { } host && File.Exists(host) ? host : "dotnet";

    private static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Membership.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder must not fail the run.
        }
    }

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.CultureInvariant)]
    private static partial Regex LinkPattern();
}

/// <summary>An email the site wrote to the pickup folder.</summary>
public sealed record ReceivedEmail(string File, string Subject, string TextBody, string? FirstLink);
