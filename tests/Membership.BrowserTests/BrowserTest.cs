using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Membership.BrowserTests;

/// <summary>
/// Base for browser tests: <see cref="RunAsync"/> gives the test a <see cref="BrowserSession"/> and,
/// when the test throws, saves a full-page screenshot of every page it opened before rethrowing.
/// </summary>
[Collection(PublishedSiteCollection.Name)]
public abstract class BrowserTest(PublishedSite site, ITestOutputHelper output)
{
    protected PublishedSite Site { get; } = site;

    protected ITestOutputHelper Output { get; } = output;

    protected async Task RunAsync(Func<BrowserSession, Task> body, [CallerMemberName] string testName = "")
    {
        await using var session = new BrowserSession(Site);
        var started = DateTime.UtcNow;
        try
        {
            await body(session);
            // Every page the journey opened on the site, and every email it caused, in words a person reads.
            var problems = session.WordingProblems.Concat(EmailWordingProblems(started)).Distinct().ToList();
            Assert.True(problems.Count == 0, "Pages or emails say what a person should not read:\n" + string.Join('\n', problems));
        }
        catch (Exception)
        {
            foreach (var file in await session.ScreenshotAllAsync(PublishedSite.ArtifactsDirectory, $"{GetType().Name}.{testName}"))
            {
                Output.WriteLine($"Screenshot: {file}");
            }

            Output.WriteLine("Site output (tail):");
            var log = Site.ServerLog;
            Output.WriteLine(log.Length > 8_000 ? log[^8_000..] : log);
            throw;
        }
    }

    private IEnumerable<string> EmailWordingProblems(DateTime since)
    {
        if (!Directory.Exists(Site.MailDirectory))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(Site.MailDirectory, "*.eml").Where(f => File.GetLastWriteTimeUtc(f) >= since.AddSeconds(-1)))
        {
            using var message = MimeKit.MimeMessage.Load(file);
            foreach (var problem in Wording.ProblemsIn((message.Subject ?? "") + "\n" + (message.TextBody ?? "")))
            {
                yield return $"email \"{message.Subject}\": {problem}";
            }
        }
    }
}

/// <summary>The browser contexts (one per person) a test opened; closed when the test ends.</summary>
public sealed class BrowserSession(PublishedSite site) : IAsyncDisposable
{
    private readonly List<(string Name, IBrowserContext Context, IPage Page)> _people = [];

    private readonly List<string> _wordingProblems = [];

    /// <summary>What the site's pages opened in this session said that a person should not read (see <see cref="Wording"/>).</summary>
    public IReadOnlyList<string> WordingProblems
    {
        get
        {
            lock (_wordingProblems)
            {
                return [.. _wordingProblems];
            }
        }
    }

    /// <summary>A new person: their own context (cookies) and one page in it.</summary>
    public async Task<IPage> NewPageAsync(string name)
    {
        var context = await site.NewContextAsync();
        // Each of the site's pages, once loaded, hands its visible text (less what is shown as code) to the wording check.
        await context.ExposeFunctionAsync<string, string, bool>("__membershipPageText", (address, text) =>
        {
            lock (_wordingProblems)
            {
                _wordingProblems.AddRange(Wording.ProblemsIn(text).Select(p => $"{address}: {p}"));
            }

            return true;
        });
        await context.AddInitScriptAsync($$"""
            (() => {
              if (location.origin !== {{System.Text.Json.JsonSerializer.Serialize(new Uri(site.BaseUrl).GetLeftPart(UriPartial.Authority))}}) return;
              addEventListener('load', () => {
                let text = document.body ? document.body.innerText : '';
                for (const code of document.querySelectorAll('code, kbd, samp, pre')) {
                  const shown = code.innerText;
                  if (shown) text = text.replace(shown, ' ');
                }
                window.__membershipPageText(location.pathname + location.search, text);
              });
            })();
            """);
        var page = await context.NewPageAsync();
        _people.Add((name, context, page));
        return page;
    }

    /// <summary>Full-page screenshots of every open page, named after the test (and the person when several).</summary>
    public async Task<IReadOnlyList<string>> ScreenshotAllAsync(string directory, string testName)
    {
        var saved = new List<string>();
        Directory.CreateDirectory(directory);
        foreach (var (name, _, page) in _people)
        {
            var file = Path.Combine(directory, Safe(_people.Count == 1 ? testName : $"{testName}-{name}") + ".png");
            try
            {
                await page.ScreenshotAsync(new() { Path = file, FullPage = true, Timeout = 10_000 });
                saved.Add(file);
            }
            catch (PlaywrightException)
            {
                // The page may be closed or crashed; the test's own failure is what matters.
            }
            catch (TimeoutException)
            {
            }
        }

        return saved;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, context, _) in _people)
        {
            await context.CloseAsync();
        }

        _people.Clear();
    }

    private static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
}
