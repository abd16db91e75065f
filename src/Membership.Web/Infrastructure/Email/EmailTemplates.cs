using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// Renders the emails from the editable files in <c>EmailTemplates/</c>: <c>{name}.subject.txt</c>,
/// <c>{name}.txt</c> (plain-text part) and <c>{name}.html</c> (HTML part, wrapped in
/// <c>_layout.html</c>). <c>{{key}}</c> inserts a value (HTML-encoded in the HTML part);
/// <c>{{{key}}}</c> inserts it as is, for HTML the site sanitised itself (a post's body).
/// A placeholder without a value is an error, so a broken template fails loudly in tests.
/// </summary>
public sealed partial class EmailTemplates(IHostEnvironment environment)
{
    private readonly ConcurrentDictionary<string, string> _files = new();
    private readonly HtmlEncoder _html = HtmlEncoder.Default;

    public string Directory { get; } = Path.Combine(environment.ContentRootPath, "EmailTemplates");

    public EmailMessage Render(string template, string to, IReadOnlyDictionary<string, string> values, string? footerHtml = null)
    {
        var subject = Fill(Read($"{template}.subject.txt"), values, encode: false).Trim();
        var text = Fill(Read($"{template}.txt"), values, encode: false);
        var content = Fill(Read($"{template}.html"), values, encode: true);
        var layoutValues = new Dictionary<string, string>
        {
            ["subject"] = subject,
            ["content"] = content,
            ["footer"] = footerHtml ?? "Membership",
        };
        var html = Fill(Read("_layout.html"), layoutValues, encode: true);
        return new EmailMessage(to, subject, text, html);
    }

    public EmailMessage ConfirmEmail(string to, string name, string link) =>
        Render("confirm-email", to, new Dictionary<string, string> { ["name"] = name, ["link"] = link });

    public EmailMessage MagicLink(string to, string name, string link, int minutes) =>
        Render("magic-link", to, new Dictionary<string, string> { ["name"] = name, ["link"] = link, ["minutes"] = minutes.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public EmailMessage PasswordReset(string to, string name, string link) =>
        Render("password-reset", to, new Dictionary<string, string> { ["name"] = name, ["link"] = link });

    private string Read(string file) => _files.GetOrAdd(file, name =>
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"Email template {name} is missing from {Directory}.", path);
    });

    private string Fill(string template, IReadOnlyDictionary<string, string> values, bool encode) =>
        Placeholder().Replace(template, match =>
        {
            var raw = match.Groups["raw"].Success;
            var key = raw ? match.Groups["raw"].Value : match.Groups["key"].Value;
            if (!values.TryGetValue(key, out var value))
            {
                throw new KeyNotFoundException($"Email template placeholder {{{{{key}}}}} has no value.");
            }

            return encode && !raw ? _html.Encode(value) : value;
        });

    [GeneratedRegex(@"\{\{\{(?<raw>\w+)\}\}\}|\{\{(?<key>\w+)\}\}")]
    private static partial Regex Placeholder();
}
