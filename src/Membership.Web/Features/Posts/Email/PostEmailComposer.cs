using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Web.Features.Posts;
using Membership.Web.Infrastructure.Email;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// One delivery's emails: the post is rendered once, with markers where each recipient's name,
/// unsubscribe link and signed file links go (the templates and the post body are the bulk of the work, and they
/// are the same for everyone); <see cref="For"/> then makes each recipient's own copy. Built
/// from the post with its creator and attachments loaded; links are absolute (mail clients have
/// no base address). The email-fanout benchmark's bare loop builds its messages with it too.
/// </summary>
public sealed partial class PostEmailComposer
{
    private const string NameMarker = "%%RECIPIENT_NAME%%";
    private const string UnsubscribeMarker = "%%UNSUBSCRIBE_URL%%";
    private const string FileMarkerStart = "%%FILE_";

    private readonly UnsubscribeTokens _unsubscribeTokens;
    private readonly SignedFileLinks _fileLinks;
    private readonly string _domain;
    private readonly string _baseUrl;
    private readonly string _handle;
    private readonly string _slug;
    private readonly DateTimeOffset _fileLinksExpire;
    private readonly string _listId;
    private readonly int _deliveryId;
    private readonly string _subject;
    private readonly MarkedText _text;
    private readonly MarkedText _html;

    public PostEmailComposer(
        EmailTemplates templates, MimeMessageFactory mime, UnsubscribeTokens unsubscribeTokens, SignedFileLinks fileLinks, Post post, string baseUrl, int deliveryId)
    {
        var creator = post.Creator ?? throw new ArgumentException("The post's creator is needed.", nameof(post));
        _unsubscribeTokens = unsubscribeTokens;
        _fileLinks = fileLinks;
        _domain = mime.Domain;
        _baseUrl = baseUrl.TrimEnd('/');
        _handle = creator.Handle;
        _slug = post.Slug;
        _fileLinksExpire = fileLinks.ExpiryFromNow();
        _listId = $"{creator.DisplayName} <{creator.Handle}.posts.{mime.Domain}>";
        _deliveryId = deliveryId;
        var postUrl = $"{_baseUrl}/{creator.Handle}/posts/{post.Slug}";

        // Mail clients have no base address: site-relative links and images become absolute.
        var html = SiteRelative().Replace(post.TeaserHtml + post.MembersHtml, match => $"{match.Groups[1].Value}=\"{_baseUrl}/");
        var files = post.Attachments.Where(a => !a.IsCover).OrderBy(a => a.Id).ToList();

        // A mail program opens images and files without the site's cookie: those of a post that is
        // not public carry each recipient's signed link (a marker here, filled in For). A public
        // post's files are served to anyone, so they keep their plain address.
        var signed = post.Access != PostAccess.Public;
        var fileIds = files.Select(f => f.Id).ToHashSet();
        string FileUrl(int id) => signed ? $"{FileMarkerStart}{id.ToString(CultureInfo.InvariantCulture)}%%" : _baseUrl + PostFileLinks.Path(creator.Handle, post.Slug, id);
        if (signed && files.Count > 0)
        {
            var ownFile = new Regex($"(?<=\\b(?:href|src)=\"){Regex.Escape(_baseUrl + PostFileLinks.Path(creator.Handle, post.Slug, 0)[..^1])}(\\d{{1,9}})(?=\")", RegexOptions.CultureInvariant);
            html = ownFile.Replace(html, match => int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && fileIds.Contains(id)
                ? FileUrl(id)
                : match.Value);
        }

        var text = PostPlainText.FromHtml(html);

        // The sanitizer keeps no style attribute: a wide image must still fit a phone's mail screen.
        html = ImageTag().Replace(html, "<img style=\"max-width:100%;height:auto;\"");
        if (files.Count > 0)
        {
            html += "<p><strong>Files with this post</strong></p><ul>"
                + string.Concat(files.Select(f => $"<li><a href=\"{(signed ? FileUrl(f.Id) : WebUtility.HtmlEncode(FileUrl(f.Id)))}\">{WebUtility.HtmlEncode(f.FileName)}</a></li>"))
                + "</ul>";
            text += "\n\nFiles with this post:" + string.Concat(files.Select(f => $"\n- {f.FileName}: {FileUrl(f.Id)}"));
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
        // Only this post's own files are signed: a "%%FILE_…%%" the creator typed for another file stays text.
        var signedIds = signed ? fileIds : [];
        _text = new MarkedText(plain.TextBody, signedIds);
        _html = new MarkedText(rendered.HtmlBody, signedIds);
    }

    /// <summary>
    /// One recipient's copy: their greeting, their signed unsubscribe link (in the body and in
    /// <c>List-Unsubscribe</c>, with RFC 8058's one-click header), their own signed links to the
    /// post's files (when it is not public), and a Message-ID made from the delivery and the
    /// recipient row, the same on a resend.
    /// </summary>
    public EmailMessage For(long recipientId, int memberId, string email, string displayName)
    {
        var unsubscribe = $"{_baseUrl}/email/unsubscribe/{Uri.EscapeDataString(_unsubscribeTokens.For(memberId))}";
        Dictionary<int, string>? files = null;
        foreach (var id in _html.FileIds.Concat(_text.FileIds))
        {
            files ??= [];
            if (!files.ContainsKey(id))
            {
                files[id] = _baseUrl + _fileLinks.Path(_handle, _slug, memberId, id, _fileLinksExpire);
            }
        }

        return new EmailMessage(
            email,
            _subject,
            _text.With(displayName, unsubscribe, files is null ? null : id => files[id]),
            _html.With(WebUtility.HtmlEncode(displayName), WebUtility.HtmlEncode(unsubscribe), files is null ? null : id => WebUtility.HtmlEncode(files[id])))
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
        private const int Name = -1;
        private const int Unsubscribe = -2;

        private readonly List<string> _pieces = [];

        // After each piece but the last: Name, Unsubscribe, or the id of the file whose link goes there.
        private readonly List<int> _slots = [];
        private readonly int _length;
        private readonly int _names;
        private readonly int _unsubscribes;

        public MarkedText(string text, IReadOnlySet<int> fileIds)
        {
            var start = 0;
            foreach (Match match in Marker().Matches(text))
            {
                if (match.Groups[2].Success && !fileIds.Contains(int.Parse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                _pieces.Add(text[start..match.Index]);
                _slots.Add(match.Groups[1].Value switch
                {
                    "RECIPIENT_NAME" => Name,
                    "UNSUBSCRIBE_URL" => Unsubscribe,
                    _ => int.Parse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture),
                });
                start = match.Index + match.Length;
            }

            _pieces.Add(text[start..]);
            _length = _pieces.Sum(p => p.Length);
            _names = _slots.Count(slot => slot == Name);
            _unsubscribes = _slots.Count(slot => slot == Unsubscribe);
            FileIds = _slots.Where(slot => slot >= 0).Distinct().ToList();
        }

        /// <summary>The files whose links this text holds (none for a public post).</summary>
        public IReadOnlyList<int> FileIds { get; }

        /// <summary>The text with its markers filled, made at its exact length (no builder to grow and copy: the bodies are kilobytes, and there are thousands).</summary>
        public string With(string name, string unsubscribe, Func<int, string>? fileUrl)
        {
            var length = _length + (_names * name.Length) + (_unsubscribes * unsubscribe.Length);
            string[]? fileValues = null;
            if (_names + _unsubscribes < _slots.Count)
            {
                var urlOf = fileUrl ?? throw new InvalidOperationException("This text holds file links: give their addresses.");
                fileValues = new string[_slots.Count];
                for (var i = 0; i < _slots.Count; i++)
                {
                    if (_slots[i] >= 0)
                    {
                        fileValues[i] = urlOf(_slots[i]);
                        length += fileValues[i].Length;
                    }
                }
            }

            return string.Create(length, (Text: this, Name: name, Unsubscribe: unsubscribe, Files: fileValues), static (span, fill) =>
            {
                var pieces = fill.Text._pieces;
                var slots = fill.Text._slots;
                var at = 0;
                for (var i = 0; i < pieces.Count; i++)
                {
                    pieces[i].CopyTo(span[at..]);
                    at += pieces[i].Length;
                    if (i < slots.Count)
                    {
                        var value = slots[i] switch
                        {
                            Name => fill.Name,
                            Unsubscribe => fill.Unsubscribe,
                            _ => fill.Files![i],
                        };
                        value.CopyTo(span[at..]);
                        at += value.Length;
                    }
                }
            });
        }
    }

    [GeneratedRegex("<img\\b(?![^>]*\\bstyle=)", RegexOptions.IgnoreCase)]
    private static partial Regex ImageTag();

    [GeneratedRegex("%%(RECIPIENT_NAME|UNSUBSCRIBE_URL|FILE_([0-9]{1,9}))%%")]
    private static partial Regex Marker();

    [GeneratedRegex("\\b(href|src)=\"/(?!/)")]
    private static partial Regex SiteRelative();
}
