using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;
using Markdig;

namespace Membership.Web.Features.Posts;

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
    public RenderedPost Render(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);

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
    public string RenderPreview(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);

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

    private string RenderHtml(string markdown) =>
        string.IsNullOrWhiteSpace(markdown) ? "" : Sanitize(Markdown.ToHtml(markdown, _pipeline));

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
