using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;
using Markdig;

namespace Membership.Web.Domain;

/// <summary>The result of rendering one post.</summary>
/// <param name="TeaserHtml">Sanitized HTML of the part above the cut ("" when there is no cut).</param>
/// <param name="MembersHtml">Sanitized HTML of the part below the cut (the whole post when there is no cut).</param>
/// <param name="TeaserText">Plain text of the teaser (for search/RSS descriptions), whitespace collapsed.
/// Entities are decoded, so it must still be HTML/XML-encoded when written into markup.</param>
/// <param name="MembersText">Plain text of the part below the cut, whitespace collapsed (same encoding caveat).</param>
/// <param name="HasCut">Whether the post contains a top-level paywall cut line.</param>
public sealed record RenderedPost(
    string TeaserHtml,
    string MembersHtml,
    string TeaserText,
    string MembersText,
    bool HasCut);

/// <summary>
/// Renders post Markdown to sanitized HTML and splits it at the paywall cut
/// (<see cref="Cut"/> alone on a top-level line). Stateless after construction, so one
/// instance is safe to share between threads (register as a singleton).
/// </summary>
public sealed partial class PostRenderer
{
    /// <summary>The line that separates the public teaser from the members-only part.</summary>
    public const string Cut = "<!--members-only-->";

    /// <summary>What <see cref="RenderPreview"/> shows in place of the cut.</summary>
    public const string PreviewCutHtml = "<hr class=\"paywall-cut\">";

    /// <summary>Prefix given to every element id (and to same-page <c>#fragment</c> links) so
    /// post content cannot clobber ids or globals of the surrounding page.</summary>
    public const string IdPrefix = "user-content-";

    /// <summary>How deeply a post's lists, quotes and tags may nest: Markdig's own limit on its syntax tree.</summary>
    public const int MaxNestingDepth = 128;

    /// <summary>What the editor says about a post nested deeper than <see cref="MaxNestingDepth"/>.</summary>
    public const string TooDeepMessage = "The post is nested more than 128 levels deep (lists, quotes or tags inside one another). Flatten it to save it.";

    // Raw HTML may nest deeper than the Markdown around it: Markdown's own 128 levels can come out as a few
    // more elements (a list is <ul> and <li>, emphasis and links add inline tags), so the tags get room.
    private const int MaxHtmlDepth = 2 * MaxNestingDepth;

    /// <summary>The <c>rel</c> value put on every link.</summary>
    public const string LinkRel = "nofollow noopener noreferrer";

    private static readonly string[] AllowedTags =
    [
        "p", "br", "hr", "div", "span",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "sub", "sup", "small",
        "abbr", "cite", "q", "blockquote", "code", "pre", "kbd", "samp", "var",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "details", "summary",
        "a", "img", "audio", "video", "source",
    ];

    // HtmlSanitizer's attribute allow-list is global (not per tag); none of these is dangerous on any allowed tag.
    private static readonly string[] AllowedAttributes =
    [
        "href", "src", "alt", "title", "width", "height",
        "controls", "preload", "poster", "type",
        "class", "id", "colspan", "rowspan", "start", "reversed", "open", "lang", "dir",
    ];

    private static readonly string[] AllowedSchemes = ["http", "https", "mailto"];

    /// <summary>The class of a footnote's "↩" link back to its reference: navigation, left out of plain text.</summary>
    internal const string FootnoteBackLinkClass = "footnote-back-ref";

    // Block-level elements: their boundaries become word boundaries in the plain text.
    private static readonly HashSet<string> BlockTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "br", "hr", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "details", "summary", "audio", "video",
    };

    // Void elements, and elements a sibling's start tag closes: repeating them does not nest.
    private static readonly HashSet<string> FlatTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rp", "rt",
    };

    private static readonly char[] LineEnds = ['\r', '\n'];

    private readonly MarkdownPipeline _pipeline;
    private readonly HtmlSanitizer _sanitizer;

    public PostRenderer()
    {
        // The "advanced" set minus extensions that emit iframes (media links), form inputs (task lists),
        // inline styles/arbitrary attributes (generic attributes), svg (alerts), scripts or raw class
        // names (diagrams, mathematics, custom containers). Raw HTML stays enabled: it is sanitized below.
        _pipeline = new MarkdownPipelineBuilder()
            .UseAbbreviations()
            .UseAutoIdentifiers()
            .UseCitations()
            .UseDefinitionLists()
            .UseEmphasisExtras()
            .UseFigures()
            .UseFootnotes()
            .UseGridTables()
            .UsePipeTables()
            .UseListExtras()
            .UseAutoLinks()
            .Build();

        var options = new HtmlSanitizerOptions();
        Replace(options.AllowedTags, AllowedTags);
        Replace(options.AllowedAttributes, AllowedAttributes);
        Replace(options.AllowedSchemes, AllowedSchemes);
        options.AllowedCssProperties.Clear(); // with "style" not allowed this is belt and braces
        options.AllowedAtRules.Clear();
        options.AllowedClasses.Clear();       // empty = any class; filtered in PostProcessNode instead
        options.AllowDataAttributes = false;
        options.AllowCssCustomProperties = false;
        // UriAttributes keeps its defaults (href, src, poster, action, formaction, data, xlink:href, ...).

        _sanitizer = new HtmlSanitizer(options) { KeepChildNodes = false };
        _sanitizer.PostProcessNode += (_, e) => PostProcess(e.Node);
    }

    /// <summary>Renders a post, splitting it at the first top-level cut line.</summary>
    /// <exception cref="PostTooDeepException">The post nests deeper than <see cref="MaxNestingDepth"/>.</exception>
    public RenderedPost Render(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ThrowIfTooDeep(markdown);

        if (!TryFindCut(markdown, out var cutStart, out var cutEnd))
        {
            var whole = RenderHtml(markdown);
            return new RenderedPost("", whole, "", ToPlainText(whole), HasCut: false);
        }

        var teaserHtml = RenderHtml(markdown[..cutStart]);
        var membersHtml = RenderHtml(markdown[cutEnd..]);
        return new RenderedPost(teaserHtml, membersHtml, ToPlainText(teaserHtml), ToPlainText(membersHtml), HasCut: true);
    }

    /// <summary>
    /// HTML for the editor's live preview: the whole post sanitized, with the cut shown as
    /// <c>&lt;hr class="paywall-cut"&gt;</c> (inserted after sanitizing; the sanitizer itself strips that class).
    /// The two halves are rendered exactly as <see cref="Render"/> renders them.
    /// </summary>
    /// <exception cref="PostTooDeepException">The post nests deeper than <see cref="MaxNestingDepth"/>.</exception>
    public string RenderPreview(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ThrowIfTooDeep(markdown);

        if (!TryFindCut(markdown, out var cutStart, out var cutEnd))
        {
            return RenderHtml(markdown);
        }

        return RenderHtml(markdown[..cutStart]) + PreviewCutHtml + "\n" + RenderHtml(markdown[cutEnd..]);
    }

    /// <summary>Sanitizes arbitrary HTML with the post policy.</summary>
    public string Sanitize(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return html.Length == 0 ? "" : _sanitizer.Sanitize(html);
    }

    private string RenderHtml(string markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }

        string html;
        try
        {
            html = Markdown.ToHtml(markdown, _pipeline);
        }
        catch (ArgumentException exception) when (exception.Message.Contains("too deeply nested", StringComparison.Ordinal))
        {
            // Markdig's own limit (MaximumNestingDepth, 128), for nesting the line scan cannot see
            // (emphasis, links and brackets inside one another); those fail fast.
            throw new PostTooDeepException(exception);
        }

        // The sanitizer's parser slows down with depth (38,000 nested <div>s: seconds), so deep raw HTML stops here.
        if (HtmlDepthBound(html) > MaxHtmlDepth)
        {
            throw new PostTooDeepException(null);
        }

        return Sanitize(html);
    }

    private static void ThrowIfTooDeep(string markdown)
    {
        if (BlockDepthBound(markdown) > MaxNestingDepth)
        {
            throw new PostTooDeepException(null);
        }
    }

    /// <summary>
    /// An upper bound of how deep the Markdown's blocks nest (the document counted as one level, as
    /// Markdig counts it), found in one pass before anything is parsed: Markdig stops a document
    /// deeper than its limit only after parsing it, which for 2,000 nested lists takes many seconds
    /// (each line is matched against every open block). A line can only open a block at depth d if
    /// its start holds the markers of the d blocks around it: a quote's <c>&gt;</c> (one level); a
    /// list item's marker (two: the list and its item) or, for an item opened on an earlier line, at
    /// least two columns of indentation (two levels, so one per column). Lists indented four columns
    /// a level therefore reach the limit at 32 levels rather than 64: no post needs either.
    /// </summary>
    internal static int BlockDepthBound(string markdown)
    {
        var deepest = 0;
        var pos = 0;
        while (pos < markdown.Length && deepest <= MaxNestingDepth)
        {
            // CommonMark ends a line at \n, \r\n or a lone \r: splitting at each \r and \n can only add blank lines.
            var newline = markdown.IndexOfAny(LineEnds, pos);
            var end = newline < 0 ? markdown.Length : newline;
            deepest = Math.Max(deepest, 1 + LineDepthBound(markdown.AsSpan(pos, end - pos)));
            pos = end + 1;
        }

        return deepest;
    }

    /// <summary>Levels a line's leading markers and indentation could open or continue (see <see cref="BlockDepthBound"/>).</summary>
    private static int LineDepthBound(ReadOnlySpan<char> line)
    {
        if (IsThematicBreak(line))
        {
            return 0; // "* * *" is a rule, not three lists
        }

        var levels = 0;
        var opened = 0;
        var column = 0;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c is ' ' or '\t')
            {
                var width = c == '\t' ? 4 - (column % 4) : 1;
                levels += width; // indentation: enclosing list items, two columns (two levels) each at least
                column += width;
                i++;
            }
            else if (c == '>')
            {
                levels++;
                opened = levels;
                column++;
                i++;
                if (i < line.Length && line[i] == ' ')
                {
                    column++;
                    i++; // the quote's own optional space
                }
            }
            else if (ListMarkerLength(line[i..]) is var marker and > 0)
            {
                levels += 2;
                opened = levels;
                column += marker;
                i += marker;
                // The item's own spacing (up to four columns) is part of its marker, not indentation.
                var spacing = 0;
                while (i < line.Length && spacing < 4 && line[i] is ' ' or '\t')
                {
                    var width = line[i] == '\t' ? 4 - (column % 4) : 1;
                    spacing += width;
                    column += width;
                    i++;
                }
            }
            else
            {
                break;
            }
        }

        // Indentation after the last marker opens nothing (the line's text or indented code).
        return opened;
    }

    /// <summary>The length of a list marker at the start of <paramref name="s"/> (followed by a space or the end of the line), else 0.
    /// Ordered markers include the letters and roman numerals of Markdig's list extras ("a.", "iv)").</summary>
    private static int ListMarkerLength(ReadOnlySpan<char> s)
    {
        int length;
        if (s[0] is '-' or '+' or '*')
        {
            length = 1;
        }
        else
        {
            var n = 0;
            while (n < s.Length && n < 10 && char.IsAsciiLetterOrDigit(s[n]))
            {
                n++;
            }

            if (n == 0 || n >= s.Length || s[n] is not ('.' or ')'))
            {
                return 0;
            }

            length = n + 1;
        }

        return length == s.Length || s[length] is ' ' or '\t' ? length : 0;
    }

    private static bool IsThematicBreak(ReadOnlySpan<char> line)
    {
        var trimmed = line.Trim(" \t");
        if (trimmed.Length < 3 || trimmed[0] is not ('-' or '*' or '_'))
        {
            return false;
        }

        var count = 0;
        foreach (var c in trimmed)
        {
            if (c == trimmed[0])
            {
                count++;
            }
            else if (c is not (' ' or '\t'))
            {
                return false;
            }
        }

        return count >= 3;
    }

    /// <summary>
    /// An estimate of how deep the rendered HTML's elements nest, in one pass over the tags:
    /// each start tag opens a level and its end tag closes one of the same name; void elements and
    /// those a sibling closes (<c>p</c>, <c>li</c>, table cells…) open none.
    /// </summary>
    internal static int HtmlDepthBound(string html)
    {
        var open = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var depth = 0;
        var deepest = 0;
        var pos = html.IndexOf('<');
        while (pos >= 0 && pos < html.Length - 1)
        {
            var closing = html[pos + 1] == '/';
            var start = pos + (closing ? 2 : 1);
            var end = start;
            while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
            {
                end++;
            }

            var close = html.IndexOf('>', end);
            if (end > start && close > 0 && char.IsAsciiLetter(html[start]))
            {
                var name = html[start..end];
                if (!FlatTags.Contains(name))
                {
                    if (closing)
                    {
                        if (open.TryGetValue(name, out var count) && count > 0)
                        {
                            open[name] = count - 1;
                            depth--;
                        }
                    }
                    else if (html[close - 1] != '/')
                    {
                        open[name] = open.GetValueOrDefault(name) + 1;
                        deepest = Math.Max(deepest, ++depth);
                    }
                }
            }

            pos = close < 0 ? -1 : html.IndexOf('<', close);
        }

        return deepest;
    }


    /// <summary>
    /// Finds the first line that is exactly <see cref="Cut"/> (surrounding whitespace allowed) outside
    /// fenced code blocks. <paramref name="cutStart"/> is where that line starts, <paramref name="cutEnd"/>
    /// is just after its line break.
    /// </summary>
    internal static bool TryFindCut(string markdown, out int cutStart, out int cutEnd)
    {
        var fenceChar = '\0';
        var fenceLength = 0;
        var pos = 0;

        while (pos < markdown.Length)
        {
            var newline = markdown.IndexOf('\n', pos);
            var lineEnd = newline < 0 ? markdown.Length : newline;
            var next = newline < 0 ? markdown.Length : newline + 1;
            var line = markdown.AsSpan(pos, lineEnd - pos);
            var trimmed = line.TrimStart(" \t");

            if (fenceChar != '\0')
            {
                // Inside a fence: only a run of at least the opening length, followed by nothing, closes it.
                var run = CountRun(trimmed, fenceChar);
                if (run >= fenceLength && trimmed[run..].IsWhiteSpace())
                {
                    fenceChar = '\0';
                }
            }
            else if (trimmed.Length >= 3 && (trimmed[0] == '`' || trimmed[0] == '~'))
            {
                var c = trimmed[0];
                var run = CountRun(trimmed, c);
                // A backtick fence's info string may not contain backticks (otherwise it is inline code).
                if (run >= 3 && (c == '~' || !trimmed[run..].Contains('`')))
                {
                    fenceChar = c;
                    fenceLength = run;
                }
            }
            else if (line.Trim().SequenceEqual(Cut))
            {
                cutStart = pos;
                cutEnd = next;
                return true;
            }

            pos = next;
        }

        cutStart = cutEnd = -1;
        return false;
    }

    private static int CountRun(ReadOnlySpan<char> s, char c)
    {
        var n = 0;
        while (n < s.Length && s[n] == c)
        {
            n++;
        }

        return n;
    }

    /// <summary>Plain text from sanitized HTML: tags stripped, entities decoded, whitespace collapsed.</summary>
    private static string ToPlainText(string sanitizedHtml)
    {
        if (sanitizedHtml.Length == 0)
        {
            return "";
        }

        var document = new HtmlParser().ParseDocument(sanitizedHtml);
        var sb = new StringBuilder(sanitizedHtml.Length);
        AppendText(document.Body!, sb);
        return Whitespace().Replace(sb.ToString(), " ").Trim();
    }

    private static void AppendText(INode node, StringBuilder sb)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    sb.Append(text.Data);
                    break;
                case IElement element when element.ClassList.Contains(FootnoteBackLinkClass):
                    break; // the "↩" back link is navigation, not content
                case IElement element:
                    var block = BlockTags.Contains(element.LocalName);
                    if (block)
                    {
                        sb.Append(' ');
                    }

                    AppendText(element, sb);
                    if (block)
                    {
                        sb.Append(' ');
                    }

                    break;
            }
        }
    }

    /// <summary>Runs on every node that survived sanitizing.</summary>
    private static void PostProcess(INode node)
    {
        if (node is not IElement element)
        {
            return;
        }

        // Classes: only the ones our Markdown pipeline emits, so posts cannot borrow site CSS classes.
        if (element.HasAttribute("class"))
        {
            var kept = element.ClassList.Where(c => AllowedClass().IsMatch(c)).ToArray();
            if (kept.Length == 0)
            {
                element.RemoveAttribute("class");
            }
            else
            {
                element.SetAttribute("class", string.Join(' ', kept));
            }
        }

        var id = element.GetAttribute("id");
        if (id is not null)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                element.RemoveAttribute("id");
            }
            else if (!id.StartsWith(IdPrefix, StringComparison.Ordinal))
            {
                element.SetAttribute("id", IdPrefix + id);
            }
        }

        if (element.LocalName == "a")
        {
            var href = element.GetAttribute("href");
            if (href is null)
            {
                element.RemoveAttribute("rel");
                return;
            }

            if (href.Length > 1 && href[0] == '#' && !href.AsSpan(1).StartsWith(IdPrefix, StringComparison.Ordinal))
            {
                element.SetAttribute("href", "#" + IdPrefix + href[1..]);
            }

            element.SetAttribute("rel", LinkRel);
        }
    }

    private static void Replace(ISet<string> set, IEnumerable<string> values)
    {
        set.Clear();
        set.UnionWith(values);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(language-[A-Za-z0-9_+#.-]+|footnote-ref|footnote-back-ref|footnotes|figure|figure-caption)$")]
    private static partial Regex AllowedClass();
}

/// <summary>A post nested deeper than <see cref="PostRenderer.MaxNestingDepth"/> levels: refused before it costs more than a scan.</summary>
public sealed class PostTooDeepException(Exception? inner) : Exception(PostRenderer.TooDeepMessage, inner);
