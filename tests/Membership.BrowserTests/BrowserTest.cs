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
        try
        {
            await body(session);
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
}

/// <summary>The browser contexts (one per person) a test opened; closed when the test ends.</summary>
public sealed class BrowserSession(PublishedSite site) : IAsyncDisposable
{
    private readonly List<(string Name, IBrowserContext Context, IPage Page)> _people = [];

    /// <summary>A new person: their own context (cookies) and one page in it.</summary>
    public async Task<IPage> NewPageAsync(string name)
    {
        var context = await site.NewContextAsync();
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
