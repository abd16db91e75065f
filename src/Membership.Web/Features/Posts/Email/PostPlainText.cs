using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Membership.Web.Features.Posts;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// The plain-text alternative of a post email, made once per delivery from the post's sanitized
/// HTML and laid out for reading as text: paragraphs separated by blank lines, headings
/// underlined, list items as "- " or "1. ", quotes as "> ", links as "text (address)", images as
/// their description, code blocks as they are, and lines wrapped at <see cref="Width"/>
/// characters. (The post's stored plain text is one line per part, made for search.) Short lines
/// also let the part go out as 7bit when the post is ASCII.
/// </summary>
public static partial class PostPlainText
{
    /// <summary>The usual width of plain-text email (RFC 3676 suggests at most 78).</summary>
    public const int Width = 76;

    public static string FromHtml(string html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return "";
        }

        var document = new HtmlParser().ParseDocument($"<body>{html}</body>");
        var layout = new Layout();
        layout.Blocks(document.Body!);
        return layout.ToString();
    }

    private sealed class Layout
    {
        private readonly StringBuilder _text = new();
        private readonly StringBuilder _inline = new();
        /// <summary>What starts every line of the current block ("> " per quote, spaces in a list item).</summary>
        private string _indent = "";
        /// <summary>What starts the first line of the next paragraph instead (a list item's bullet).</summary>
        private string? _bullet;
        /// <summary>The next block follows the last without a blank line (the items of one list).</summary>
        private bool _tight;

        public void Blocks(INode parent)
        {
            foreach (var child in parent.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        Inline(text.Data);
                        break;
                    case IElement element:
                        Element(element);
                        break;
                }
            }
        }

        public override string ToString()
        {
            Paragraph();
            return _text.ToString().TrimEnd('\n');
        }

        private void Element(IElement element)
        {
            switch (element.LocalName)
            {
                case "br":
                    _inline.Append('\n');
                    break;
                case "a" when element.ClassList.Contains(PostRenderer.FootnoteBackLinkClass):
                    break; // the "↩" back link is navigation, not content
                case "a":
                    var before = _inline.Length;
                    Blocks(element);
                    var label = _inline.ToString(before, _inline.Length - before).Trim();
                    var href = element.GetAttribute("href") ?? "";
                    var address = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href["mailto:".Length..] : href;
                    if (address.Length > 0 && !href.StartsWith('#') && address != label)
                    {
                        _inline.Append(label.Length == 0 ? address : $" ({address})");
                    }

                    break;
                case "img":
                    var description = element.GetAttribute("alt")?.Trim();
                    if (!string.IsNullOrEmpty(description))
                    {
                        _inline.Append('[').Append(description).Append(']');
                    }

                    break;
                case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                    Paragraph();
                    Blocks(element);
                    var heading = Collapse(_inline.ToString()).Trim();
                    _inline.Clear();
                    if (heading.Length > 0)
                    {
                        var underline = element.LocalName is "h1" or "h2" ? '=' : '-';
                        Lines([heading, new string(underline, Math.Min(heading.Length, Width - _indent.Length))]);
                    }

                    break;
                case "ul" or "ol":
                    Paragraph();
                    var number = element.LocalName == "ol" && int.TryParse(element.GetAttribute("start"), out var start) ? start : 1;
                    foreach (var item in element.Children.Where(c => c.LocalName == "li"))
                    {
                        var bullet = element.LocalName == "ol" ? $"{number++}. " : "- ";
                        var outer = _indent;
                        _bullet = outer + bullet;
                        _indent = outer + new string(' ', bullet.Length);
                        Blocks(item);
                        Paragraph();
                        _indent = outer;
                        _bullet = null;
                        _tight = true;
                    }

                    _tight = false;
                    break;
                case "blockquote":
                    Paragraph();
                    var outside = _indent;
                    _indent += "> ";
                    Blocks(element);
                    Paragraph();
                    _indent = outside;
                    break;
                case "pre":
                    Paragraph();
                    Lines(element.TextContent.TrimEnd('\n').Split('\n'));
                    break;
                case "hr":
                    Paragraph();
                    Lines(["----"]);
                    break;
                case "tr":
                    Paragraph();
                    Inline(string.Join(" | ", element.Children.Select(cell => Collapse(cell.TextContent).Trim())));
                    Paragraph();
                    _tight = true;
                    break;
                case "table":
                    Paragraph();
                    Blocks(element);
                    _tight = false;
                    break;
                case "audio" or "video" or "source" or "track":
                    break; // players: the email lists the post's files and links to the post
                case "p" or "div" or "figure" or "figcaption" or "details" or "summary" or "dl" or "dt" or "dd" or "section" or "caption":
                    Paragraph();
                    Blocks(element);
                    Paragraph();
                    break;
                default:
                    Blocks(element); // inline: em, strong, code, span, sup, del...
                    break;
            }
        }

        private void Inline(string text) => _inline.Append(Collapse(text));

        /// <summary>Ends the paragraph being gathered: wraps it and writes it after a blank line.</summary>
        private void Paragraph()
        {
            var paragraph = _inline.ToString();
            _inline.Clear();
            var lines = new List<string>();
            foreach (var hardLine in paragraph.Split('\n'))
            {
                Wrap(hardLine.Trim(), Width - _indent.Length, lines);
            }

            while (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            if (lines.Count > 0)
            {
                Lines(lines);
            }
        }

        private void Lines(IReadOnlyList<string> lines)
        {
            if (_text.Length > 0)
            {
                _text.Append(_tight ? "\n" : "\n\n");
            }

            _tight = false;
            for (var i = 0; i < lines.Count; i++)
            {
                var prefix = i == 0 && _bullet is not null ? _bullet : _indent;
                _text.Append((prefix + lines[i]).TrimEnd());
                if (i < lines.Count - 1)
                {
                    _text.Append('\n');
                }
            }

            // Only the first paragraph of a list item carries its bullet.
            _bullet = null;
        }

        /// <summary>Breaks <paramref name="text"/> at spaces into lines of at most <paramref name="width"/> (a longer word has a line of its own).</summary>
        private static void Wrap(string text, int width, List<string> lines)
        {
            width = Math.Max(width, 20);
            var line = new StringBuilder();
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }

                if (line.Length > 0)
                {
                    line.Append(' ');
                }

                line.Append(word);
            }

            lines.Add(line.ToString());
        }
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"[ \t\r\n\f]+")]
    private static partial Regex Whitespace();
}
