using System.Net;
using System.Text.RegularExpressions;

namespace Membership.ScaleTest;

/// <summary>
/// One person's browser: a cookie jar shared by every node, as behind a load balancer (cookies are
/// per host name, not per port, and every node is 127.0.0.1). Redirects are not followed, so each
/// answer can be checked.
/// </summary>
internal sealed partial class Visitor : IDisposable
{
    private readonly HttpClient _http;

    public Visitor()
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public async Task<(HttpStatusCode Status, string Body, string? Location)> GetAsync(Uri url)
    {
        using var response = await _http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString());
    }

    /// <summary>Reads the form page on one node and posts the form (with that page's antiforgery token) to another.</summary>
    public async Task<(HttpStatusCode Status, string? Location, string Body)> SubmitAsync(Uri formPage, Uri action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var (status, page, _) = await GetAsync(formPage);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {formPage} answered {(int)status}.");
        }

        var token = AntiforgeryToken().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException($"{formPage} has no antiforgery token.");
        }

        var form = fields.Append(new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value)));
        using var response = await _http.PostAsync(action, new FormUrlEncodedContent(form));
        return (response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Signs in with a password on the node at <paramref name="node"/>; throws unless the site redirects (success).</summary>
    public async Task SignInAsync(Uri node, string email, string password)
    {
        var page = new Uri(node, "/account/sign-in");
        var (status, location, body) = await SubmitAsync(page, page, [new("Email", email), new("Password", password), new("RememberMe", "false")]);
        if (status != HttpStatusCode.Redirect || location is null || location.Contains("sign-in", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Signing in {email} on {node} answered {(int)status} {location}: {Excerpt(body)}");
        }
    }

    public static string Excerpt(string body) => body.Length > 400 ? body[..400] + "…" : body;

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
