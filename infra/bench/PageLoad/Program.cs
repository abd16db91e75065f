using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Membership.Bench.PageLoad;

/// <summary>
/// Starts the real site on Kestrel (127.0.0.1, SQLite in a temp folder), seeds a creator with a
/// public post, a tier-only post and an entitled member, signs that member in through the form,
/// checks every page answers 200 with what that viewer may see (and no paywalled text for an
/// anonymous visitor), then loads each page in turn with wrk at the same connections and
/// threads: <c>/ping</c> (the baseline), the creator page, a public post, the paywalled post for
/// the entitled member and its teaser for an anonymous visitor. Prints requests/s, p50 and p99,
/// the ratio to <c>/ping</c> and the goals. Exits 0 unless something is functionally wrong (an
/// error answer, wrong content, a page that leaks), so a slow machine never fails a run.
/// </summary>
internal static partial class PageLoadBench
{
    private const double GoalP99Ms = 50;

    private static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine(exception.Message);
            return 2;
        }

        return await BenchRun.MainAsync("pages", options.TimeoutSeconds, (dataDirectory, cancellationToken) => RunAsync(options, dataDirectory, cancellationToken));
    }

    private static async Task<int> RunAsync(BenchOptions options, string dataDirectory, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores ({BenchRun.CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {BenchRun.LoadAverage()} (1, 5, 15 min)");
        using var site = new BenchSite(dataDirectory);
        var starting = Stopwatch.StartNew();
        var address = site.Start();
        var seeded = await Seed.RunAsync(site.Services, cancellationToken);
        Console.WriteLine(string.Create(inv,
            $"site on {address} (Kestrel, in-process, Release, SQLite in a fresh folder), started and seeded in {starting.Elapsed.TotalSeconds:F1} s (not measured): creator /{seeded.Handle} with {seeded.Posts} posts and {seeded.Members:N0} members; the paywalled post is {seeded.PaywalledMarkdownBytes:N0} bytes of Markdown"));

        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = address };
        var cookie = await SignInAsync(address, seeded.MemberEmail, seeded.MemberPassword, cancellationToken);

        var paywall = "data-test=\"paywall\"";
        var targets = new[]
        {
            new Target("/ping", "/ping", null, "", ["pong"], [], null),
            new Target("creator page", $"/{seeded.Handle}", null, "", [seeded.DisplayName, "How the workshop runs", seeded.TeaserMarker], [seeded.PaywalledMarker], 0.25),
            new Target("public post", $"/{seeded.Handle}/posts/{seeded.PublicSlug}", null, "", [seeded.PublicMarker], [paywall], 0.25),
            new Target("paywalled (entitled)", $"/{seeded.Handle}/posts/{seeded.PaywalledSlug}", cookie, "signed-in member", [seeded.TeaserMarker, seeded.PaywalledMarker], [paywall], 0.15),
            new Target("teaser (anonymous)", $"/{seeded.Handle}/posts/{seeded.PaywalledSlug}", null, "", [seeded.TeaserMarker, paywall], [seeded.PaywalledMarker], 0.25),
        };

        var sizes = new Dictionary<Target, int>();
        foreach (var target in targets)
        {
            sizes[target] = await CheckAsync(http, target, cancellationToken);
        }

        Console.WriteLine($"checked: each page answers 200 with what its viewer may see; the anonymous creator page and teaser carry no paywalled text");
        Console.WriteLine(string.Create(inv,
            $"load: wrk -t{options.Threads} -c{options.Connections} -d{options.DurationSeconds}s --latency per page, one page at a time, after {options.WarmupSeconds} s of warm-up on each page; wrk shares the machine's cores with the site"));

        // Every page is warmed before any is measured: they share the pipeline, which the JIT keeps
        // optimising for a while, so the first page measured would otherwise pay for it alone.
        if (options.WarmupSeconds > 0)
        {
            foreach (var target in targets)
            {
                await Wrk.RunAsync(new Uri(address, target.Path), target.Cookie, options.Threads, options.Connections, options.WarmupSeconds, cancellationToken);
            }
        }

        var results = new Dictionary<Target, WrkResult>();
        foreach (var target in targets)
        {
            var url = new Uri(address, target.Path);
            var result = await Wrk.RunAsync(url, target.Cookie, options.Threads, options.Connections, options.DurationSeconds, cancellationToken);
            results[target] = result;
            if (result.Non2xx > 0)
            {
                throw new BenchFailure($"{target.Name} ({target.Path}): {result.Non2xx} of {result.Requests} answers under load were errors (4xx/5xx)\n{result.Output}");
            }

            // wrk counts redirects as successes: the bytes per answer show the page itself came back
            // (a lost cookie would answer a short redirect to the sign-in page instead).
            var bytes = result.BytesPerResponse;
            if (bytes < sizes[target] || bytes > sizes[target] + 4096)
            {
                throw new BenchFailure(string.Create(inv,
                    $"{target.Name} ({target.Path}): wrk read {bytes:F0} bytes per answer, but the checked page is {sizes[target]:N0} bytes of body: not the page that was checked"));
            }

            if (result.SocketErrors.Length > 0)
            {
                Console.WriteLine($"note: {target.Name}: wrk reports socket errors: {result.SocketErrors}");
            }
        }

        // Again after the load: the anonymous pages (cached or not) still hold no paywalled text,
        // after the entitled member read the full post thousands of times.
        foreach (var target in targets)
        {
            await CheckAsync(http, target, cancellationToken);
        }

        Console.WriteLine("checked again after the load: same answers, still no paywalled text for the anonymous visitor");
        Console.WriteLine();
        var baseline = results[targets[0]].RequestsPerSecond;
        Console.WriteLine($"{"page",-22} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"ratio",7}  {"goal",-26} {"met",-7}");
        foreach (var target in targets)
        {
            var result = results[target];
            var ratio = result.RequestsPerSecond / baseline;
            string goal, met;
            if (target.RatioGoal is { } wanted)
            {
                goal = string.Create(inv, $">= {wanted:P0} of /ping, p99 <= {GoalP99Ms:F0} ms");
                met = ratio >= wanted && result.P99Ms <= GoalP99Ms ? "met" : "not met";
            }
            else
            {
                goal = "baseline";
                met = "";
            }

            Console.WriteLine(string.Create(inv,
                $"{target.Name,-22} {result.RequestsPerSecond,9:N0} {result.P50Ms,8:F2} {result.P99Ms,8:F2} {ratio,7:P1}  {goal,-26} {met,-7}"));
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {BenchRun.LoadAverage()} (1, 5, 15 min); the ratios are side by side in one run, so other load on the machine weighs on all rows alike");
        return 0;
    }

    /// <summary>GETs the page as its viewer; throws unless it answers 200 with what they may see and nothing they may not. Returns the body's size.</summary>
    private static async Task<int> CheckAsync(HttpClient http, Target target, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target.Path);
        if (target.Cookie is not null)
        {
            request.Headers.Add("Cookie", target.Cookie);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var who = target.Cookie is null ? "an anonymous visitor" : $"the {target.Viewer}";
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchFailure($"GET {target.Path} for {who} answered {(int)response.StatusCode} {response.Headers.Location}");
        }

        foreach (var expected in target.MustContain.Where(e => !body.Contains(e, StringComparison.Ordinal)))
        {
            throw new BenchFailure($"GET {target.Path} for {who} does not show \"{expected}\"");
        }

        foreach (var forbidden in target.MustNotContain.Where(f => body.Contains(f, StringComparison.Ordinal)))
        {
            throw new BenchFailure($"GET {target.Path} for {who} shows \"{forbidden}\", which it must not");
        }

        return (int)(response.Content.Headers.ContentLength ?? System.Text.Encoding.UTF8.GetByteCount(body));
    }

    /// <summary>Signs in through the form as a browser does (antiforgery cookie and token); returns the browser's cookies (sign-in and antiforgery) as a Cookie header value.</summary>
    private static async Task<string> SignInAsync(Uri address, string email, string password, CancellationToken cancellationToken)
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = address };
        var form = await browser.GetStringAsync("/account/sign-in", cancellationToken);
        var token = AntiforgeryToken().Match(form);
        if (!token.Success)
        {
            throw new BenchFailure("the sign-in page has no __RequestVerificationToken");
        }

        using var response = await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }), cancellationToken);
        var auth = cookies.GetCookies(address).FirstOrDefault(c => c.Name == "membership.auth");
        if (response.StatusCode != HttpStatusCode.Redirect || auth is null)
        {
            throw new BenchFailure($"signing in as {email} answered {(int)response.StatusCode}{(auth is null ? " without the membership.auth cookie" : "")}");
        }

        // Both cookies, as the member's browser sends them: with the antiforgery cookie the sign-out
        // form's token is made from it, instead of a new cookie on every answer.
        var antiforgery = cookies.GetCookies(address).FirstOrDefault(c => c.Name == "membership.antiforgery")
            ?? throw new BenchFailure("the sign-in page set no membership.antiforgery cookie");
        return $"{auth.Name}={auth.Value}; {antiforgery.Name}={antiforgery.Value}";
    }



    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

/// <summary>One page under load: who asks (an auth cookie, or none), what it must and must not show, and its goal as a share of /ping.</summary>
internal sealed record Target(string Name, string Path, string? Cookie, string Viewer, string[] MustContain, string[] MustNotContain, double? RatioGoal);

