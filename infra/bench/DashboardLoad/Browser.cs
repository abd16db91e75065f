using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Membership.Bench.DashboardLoad;

/// <summary>One answered request: the client's time to the full body, and the site's own time when it reported one.</summary>
internal readonly record struct Timing(double ClientMs, double? ServerMs);

/// <summary>
/// One client using the site as a creator's browser would: it keeps cookies, signs in through the
/// form (with its antiforgery token), and sends one request at a time over a keep-alive HTTP/1.1
/// connection to 127.0.0.1. Each request is timed from just before it is sent until its whole body
/// is read.
/// </summary>
internal sealed partial class Browser : IDisposable
{
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();
    private readonly ServerTimer _timer;
    private long _next;

    public Browser(Uri baseAddress, ServerTimer timer)
    {
        _timer = timer;
        _http = new HttpClient(new SocketsHttpHandler
        {
            CookieContainer = _cookies,
            UseCookies = true,
            AllowAutoRedirect = false,
            UseProxy = false,
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(120),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>Signs in with email and password as the form does; throws unless the site set its auth cookie.</summary>
    public async Task SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        var (form, _) = await GetAsync("/account/sign-in", cancellationToken);
        var token = AntiforgeryToken().Match(form);
        if (!token.Success)
        {
            throw new BenchFailure("the sign-in page has no __RequestVerificationToken");
        }

        using var response = await _http.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }), cancellationToken);
        var signedIn = _cookies.GetCookies(_http.BaseAddress!).Any(c => c.Name == "membership.auth");
        if (response.StatusCode != HttpStatusCode.Redirect || !signedIn)
        {
            throw new BenchFailure($"signing in as {email} answered {(int)response.StatusCode} {(signedIn ? "" : "without the membership.auth cookie")}");
        }
    }

    /// <summary>GET <paramref name="url"/>; throws unless it answers 200.</summary>
    public async Task<(string Body, Timing Timing)> GetAsync(string url, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation(ServerTimer.Header, id);
        var start = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var client = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var server = await _timer.TakeAsync(id);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var location = response.Headers.Location is { } to ? $" to {to}" : "";
            throw new BenchFailure($"GET {url} answered {(int)response.StatusCode}{location}: {(body.Length > 300 ? body[..300] : body)}");
        }

        return (body, new Timing(client, server));
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

/// <summary>Timings of one kind of request: median, p95 (nearest rank), min and max.</summary>
internal sealed class Samples(string name)
{
    private readonly List<double> _client = [];
    private readonly List<double> _server = [];

    public string Name { get; } = name;

    public int Count => _client.Count;

    public void Add(Timing timing)
    {
        _client.Add(timing.ClientMs);
        if (timing.ServerMs is { } server)
        {
            _server.Add(server);
        }
    }

    public void Add(double milliseconds) => Add(new Timing(milliseconds, null));

    public double Median => Percentile(_client, 0.50);

    public double P95 => Percentile(_client, 0.95);

    public double Min => _client.Count == 0 ? double.NaN : _client.Min();

    public double Max => _client.Count == 0 ? double.NaN : _client.Max();

    public double? ServerMedian => _server.Count == 0 ? null : Percentile(_server, 0.50);

    public double? ServerP95 => _server.Count == 0 ? null : Percentile(_server, 0.95);

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

