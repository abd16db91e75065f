using System.Net;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Email;

namespace Membership.Web.Features.PostEmails;

/// <summary>
/// One delivery's emails: the post is rendered once, with markers where each recipient's name
/// and unsubscribe link go (the templates and the post body are the bulk of the work, and they
/// are the same for everyone); <see cref="For"/> then makes each recipient's own copy. Built
/// from the post with its creator and attachments loaded; links are absolute (mail clients have
/// no base address). The email-fanout benchmark's bare loop builds its messages with it too.
/// </summary>
public sealed partial class PostEmailComposer
{
    private const string NameMarker = "%%RECIPIENT_NAME%%";
    private const string UnsubscribeMarker = "%%UNSUBSCRIBE_URL%%";

    private readonly UnsubscribeTokens _unsubscribeTokens;
    private readonly string _domain;
    private readonly string _baseUrl;
    private readonly string _listId;
    private readonly int _deliveryId;
    private readonly string _subject;
    private readonly MarkedText _text;
    private readonly MarkedText _html;

    public PostEmailComposer(EmailTemplates templates, MimeMessageFactory mime, UnsubscribeTokens unsubscribeTokens, Post post, string baseUrl, int deliveryId)
    {
        var creator = post.Creator ?? throw new ArgumentException("The post's creator is needed.", nameof(post));
        _unsubscribeTokens = unsubscribeTokens;
        _domain = mime.Domain;
        _baseUrl = baseUrl.TrimEnd('/');
        _listId = $"{creator.DisplayName} <{creator.Handle}.posts.{mime.Domain}>";
        _deliveryId = deliveryId;
        var postUrl = $"{_baseUrl}/{creator.Handle}/posts/{post.Slug}";

        // Mail clients have no base address: site-relative links and images become absolute.
        var html = SiteRelative().Replace(post.TeaserHtml + post.MembersHtml, match => $"{match.Groups[1].Value}=\"{_baseUrl}/");
        var text = PostPlainText.FromHtml(html);
        var files = post.Attachments.Where(a => !a.IsCover).OrderBy(a => a.Id).ToList();
        if (files.Count > 0)
        {
            html += "<p><strong>Files with this post</strong> (open the post to play or download them):</p><ul>"
                + string.Concat(files.Select(f => $"<li><a href=\"{WebUtility.HtmlEncode(postUrl)}\">{WebUtility.HtmlEncode(f.FileName)}</a></li>"))
                + "</ul>";
            text += "\n\nFiles with this post (open the post to play or download them): " + string.Join(", ", files.Select(f => f.FileName));
        }

        var values = new Dictionary<string, string>
        {
            ["name"] = NameMarker,
            ["creator"] = creator.DisplayName,
            ["title"] = post.Title,
            ["separator"] = new string('=', Math.Min(post.Title.Length, 70)),
            ["body"] = html,
            ["url"] = postUrl,
            ["unsubscribe"] = UnsubscribeMarker,
        };
        var rendered = templates.Render("post", "", values,
            $"You get {WebUtility.HtmlEncode(creator.DisplayName)}'s posts as a member. <a href=\"{UnsubscribeMarker}\" style=\"color:#7b8794;\">Unsubscribe from these emails</a>.");
        var plain = templates.Render("post", "", new Dictionary<string, string>(values) { ["body"] = text });
        _subject = rendered.Subject;
        _text = new MarkedText(plain.TextBody);
        _html = new MarkedText(rendered.HtmlBody);
    }

    /// <summary>
    /// One recipient's copy: their greeting, their signed unsubscribe link (in the body and in
    /// <c>List-Unsubscribe</c>, with RFC 8058's one-click header), and a Message-ID made from the
    /// delivery and the recipient row, the same on a resend.
    /// </summary>
    public EmailMessage For(long recipientId, int memberId, string email, string displayName)
    {
        var unsubscribe = $"{_baseUrl}/email/unsubscribe/{Uri.EscapeDataString(_unsubscribeTokens.For(memberId))}";
        var htmlName = WebUtility.HtmlEncode(displayName);
        var htmlUnsubscribe = WebUtility.HtmlEncode(unsubscribe);
        return new EmailMessage(email, _subject, _text.With(displayName, unsubscribe), _html.With(htmlName, htmlUnsubscribe))
        {
            MessageId = $"post-{_deliveryId}-{recipientId}@{_domain}",
            Headers = new Dictionary<string, string>
            {
                ["List-Unsubscribe"] = $"<{unsubscribe}>",
                ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
                ["List-Id"] = _listId,
            },
        };
    }

    /// <summary>A rendered body cut at its markers once, so each copy is one string written in one pass.</summary>
    private sealed class MarkedText
    {
        private readonly List<string> _pieces = [];
        private readonly List<bool> _nameAfter = [];
        private readonly int _length;
        private readonly int _names;

        public MarkedText(string text)
        {
            var start = 0;
            while (true)
            {
                var name = text.IndexOf(NameMarker, start, StringComparison.Ordinal);
                var unsubscribe = text.IndexOf(UnsubscribeMarker, start, StringComparison.Ordinal);
                if (name < 0 && unsubscribe < 0)
                {
                    break;
                }

                var isName = name >= 0 && (unsubscribe < 0 || name < unsubscribe);
                var at = isName ? name : unsubscribe;
                _pieces.Add(text[start..at]);
                _nameAfter.Add(isName);
                start = at + (isName ? NameMarker.Length : UnsubscribeMarker.Length);
            }

            _pieces.Add(text[start..]);
            _length = _pieces.Sum(p => p.Length);
            _names = _nameAfter.Count(isName => isName);
        }

        /// <summary>The text with its markers filled, made at its exact length (no builder to grow and copy: the bodies are kilobytes, and there are thousands).</summary>
        public string With(string name, string unsubscribe)
        {
            var length = _length + (_names * name.Length) + ((_nameAfter.Count - _names) * unsubscribe.Length);
            return string.Create(length, (Text: this, Name: name, Unsubscribe: unsubscribe), static (span, fill) =>
            {
                var pieces = fill.Text._pieces;
                var nameAfter = fill.Text._nameAfter;
                var at = 0;
                for (var i = 0; i < pieces.Count; i++)
                {
                    pieces[i].CopyTo(span[at..]);
                    at += pieces[i].Length;
                    if (i < nameAfter.Count)
                    {
                        var value = nameAfter[i] ? fill.Name : fill.Unsubscribe;
                        value.CopyTo(span[at..]);
                        at += value.Length;
                    }
                }
            });
        }
    }

    [GeneratedRegex("\\b(href|src)=\"/(?!/)")]
    private static partial Regex SiteRelative();
}
