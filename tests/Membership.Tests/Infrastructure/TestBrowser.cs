using System.Net;
using System.Text.RegularExpressions;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// A cookie-keeping client that uses the site as a person would: it opens a page, takes the
/// antiforgery token from the form, and posts the form back.
/// </summary>
public sealed partial class TestBrowser(HttpClient client, PickupMailbox mailbox) : IDisposable
{
    public HttpClient Client { get; } = client;

    public async Task<Page> GetAsync(string url)
    {
        var response = await Client.GetAsync(url);
        return new Page(response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens <paramref name="pageUrl"/>, then posts <paramref name="fields"/> with the page's antiforgery token to <paramref name="action"/>.</summary>
    public async Task<Page> SubmitAsync(string pageUrl, string action, IEnumerable<KeyValuePair<string, string>> fields) =>
        await PostAsync(action, await FormAsync(pageUrl, action, fields));

    /// <summary>Opens <paramref name="pageUrl"/> and returns <paramref name="fields"/> with the page's antiforgery token for <paramref name="action"/>, to post later (a test that changes something in between).</summary>
    public async Task<List<KeyValuePair<string, string>>> FormAsync(string pageUrl, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await GetAsync(pageUrl);
        Assert.True(page.Response.IsSuccessStatusCode, $"GET {pageUrl} answered {(int)page.Response.StatusCode}");
        var token = TokenFor(page.Html, action, pageUrl);
        return new List<KeyValuePair<string, string>>(fields) { new("__RequestVerificationToken", token) };
    }

    /// <summary>
    /// Opens <paramref name="pageUrl"/> once, then sends its form to <paramref name="action"/>
    /// <paramref name="times"/> times, <paramref name="apart"/> apart and without waiting for the
    /// answers: a double click. Each copy carries the form's antiforgery token and submission key.
    /// </summary>
    public async Task<Page[]> SubmitRepeatedlyAsync(string pageUrl, string action, IEnumerable<KeyValuePair<string, string>> fields, int times, TimeSpan apart)
    {
        var page = await GetAsync(pageUrl);
        Assert.True(page.Response.IsSuccessStatusCode, $"GET {pageUrl} answered {(int)page.Response.StatusCode}");
        return await SubmitRepeatedlyAsync(page, pageUrl, action, fields, times, apart);
    }

    /// <summary>As above, from a page already open (e.g. the answer to an earlier post).</summary>
    public async Task<Page[]> SubmitRepeatedlyAsync(Page page, string pageUrl, string action, IEnumerable<KeyValuePair<string, string>> fields, int times, TimeSpan apart)
    {
        var form = FormBody(page.Html, action) ?? throw new InvalidOperationException($"No form posts to {action} on {pageUrl}");
        var key = SubmissionKey().Match(form);
        Assert.True(key.Success, $"The form posting to {action} on {pageUrl} has no submission key");
        var all = new List<KeyValuePair<string, string>>(fields)
        {
            new("__RequestVerificationToken", TokenFor(page.Html, action, pageUrl)),
            new("__submission", key.Groups[1].Value),
        };
        var sends = new List<Task<Page>>();
        for (var i = 0; i < times; i++)
        {
            if (i > 0)
            {
                await Task.Delay(apart);
            }

            sends.Add(PostAsync(action, all));
        }

        return await Task.WhenAll(sends);
    }

    private static string? FormBody(string html, string action) =>
        Form().Matches(html).FirstOrDefault(f => WebUtility.HtmlDecode(f.Groups["action"].Value) == action)?.Groups["body"].Value;

    [GeneratedRegex("name=\"__submission\" value=\"([0-9A-F]+)\"")]
    private static partial Regex SubmissionKey();

    /// <summary>Opens <paramref name="pageUrl"/> and posts a multipart form with one file and the page's antiforgery token.</summary>
    public async Task<Page> UploadAsync(string pageUrl, string action, string fileName, byte[] content, IDictionary<string, string>? fields = null)
    {
        var page = await GetAsync(pageUrl);
        var token = AntiforgeryToken().Match(page.Html);
        Assert.True(token.Success, $"No antiforgery token on {pageUrl}");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken" },
            { new ByteArrayContent(content), "file", fileName },
        };
        foreach (var (key, value) in fields ?? new Dictionary<string, string>())
        {
            form.Add(new StringContent(value), key);
        }

        var response = await Client.PostAsync(action, form);
        return new Page(response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A raw form post: no token is added.</summary>
    public async Task<Page> PostAsync(string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var response = await Client.PostAsync(action, new FormUrlEncodedContent(fields));
        return new Page(response, await response.Content.ReadAsStringAsync());
    }

    public async Task SignUpAsync(string email, string password = Passwords.Good, string name = "Test Person")
    {
        var page = await SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = name,
            ["Email"] = email,
            ["Password"] = password,
        });
        Assert.Contains("Check your email", page.Html);
    }

    public async Task ConfirmEmailAsync(string email)
    {
        var link = mailbox.LinkIn(email, "Confirm your email");
        var page = await GetAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Your email is confirmed", page.Html);
    }

    public async Task<Page> SignInAsync(string email, string password = Passwords.Good) =>
        await SubmitAsync("/account/sign-in", "/account/sign-in", new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
        });

    /// <summary>Signs up, confirms and signs in a new account.</summary>
    public async Task RegisterAsync(string email, string password = Passwords.Good, string name = "Test Person")
    {
        await SignUpAsync(email, password, name);
        await ConfirmEmailAsync(email);
        var page = await SignInAsync(email, password);
        Assert.Equal(HttpStatusCode.Redirect, page.Response.StatusCode);
    }

    public async Task<Page> CreateCreatorPageAsync(string handle, string currency = "USD")
    {
        return await SubmitAsync("/creator/setup", "/creator/setup", new Dictionary<string, string>
        {
            ["Form.Handle"] = handle,
            ["Form.DisplayName"] = "Page " + handle,
            ["Form.Bio"] = "Bio of " + handle,
            ["Form.Currency"] = currency,
            ["Form.YearlyGoal"] = "100000",
            ["Form.TrueFanThreshold"] = "100",
        });
    }

    public static Dictionary<string, string> TierFields(string name, string monthly = "5.00", string yearly = "", string cap = "", string trial = "") => new()
    {
        ["Form.Name"] = name,
        ["Form.Description"] = "About " + name,
        ["Form.Benefits"] = "First benefit\nSecond benefit",
        ["Form.MonthlyPrice"] = monthly,
        ["Form.YearlyPrice"] = yearly,
        ["Form.MemberCap"] = cap,
        ["Form.TrialDays"] = trial,
    };

    public Task<Page> CreateTierAsync(IDictionary<string, string> fields) =>
        SubmitAsync("/creator/tiers/new", "/creator/tiers/new", fields);

    public void Dispose() => Client.Dispose();

    /// <summary>
    /// The antiforgery token of the page's form that posts to <paramref name="action"/>, which
    /// must carry one (a form the site renders without a token fails in a real browser). When no
    /// form posts there (a test forging a request), any token on the page.
    /// </summary>
    private static string TokenFor(string html, string action, string pageUrl)
    {
        foreach (Match form in Form().Matches(html))
        {
            if (WebUtility.HtmlDecode(form.Groups["action"].Value) == action)
            {
                var own = AntiforgeryToken().Match(form.Groups["body"].Value);
                Assert.True(own.Success, $"The form posting to {action} on {pageUrl} has no antiforgery token");
                return WebUtility.HtmlDecode(own.Groups[1].Value);
            }
        }

        var token = AntiforgeryToken().Match(html);
        Assert.True(token.Success, $"No antiforgery token on {pageUrl}");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    [GeneratedRegex("<form[^>]*\\saction=\"(?<action>[^\"]*)\"[^>]*>(?<body>.*?)</form>", RegexOptions.Singleline)]
    private static partial Regex Form();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

public sealed record Page(HttpResponseMessage Response, string Html)
{
    public HttpStatusCode Status => Response.StatusCode;

    public string? Location => Response.Headers.Location?.OriginalString;

    /// <summary>The page's text with HTML entities decoded, for matching messages that contain quotes.</summary>
    public string Text => WebUtility.HtmlDecode(Html);

    /// <summary>
    /// What a person reads on the page: the text without tags (so without hidden fields and their
    /// per-request tokens), whitespace collapsed, and <paramref name="address"/> (the email typed,
    /// which the page repeats) written <c>{email}</c>, to compare the answers for two addresses.
    /// </summary>
    public string VisibleText(string address)
    {
        var withoutTags = Regex.Replace(Html, "<[^>]*>", " ");
        var text = Regex.Replace(WebUtility.HtmlDecode(withoutTags), @"\s+", " ").Trim();
        return text.Replace(address, "{email}", StringComparison.OrdinalIgnoreCase);
    }
}

public static class Passwords
{
    public const string Good = "correct horse battery";
}

public static class Unique
{
    public static string Email(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.test";

    public static string Handle(string prefix = "c") => $"{prefix}{Guid.NewGuid():N}"[..20];
}
