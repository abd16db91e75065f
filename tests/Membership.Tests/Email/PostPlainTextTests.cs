using Membership.Web.Features.Posts;
using Membership.Web.Features.Posts.Email;

namespace Membership.Tests.Email;

/// <summary>
/// The plain-text part of a post email, made from the post's HTML as the renderer stores it: laid
/// out to read as text (paragraphs, headings, lists, quotes, links, code), in short lines.
/// </summary>
public sealed class PostPlainTextTests
{
    private static readonly PostRenderer Renderer = new();

    [Fact]
    public void FromHtml_OfARenderedPost_ReadsAsText()
    {
        var markdown = """
            # Workshop notes

            The week started with a **long list** and ended with a shorter one. Most of the time went into the joinery: cutting, test fitting, paring, and cutting again.

            ## What happened

            - sharpened every chisel
            - glued up the top, see [the drawings](https://example.com/drawings)
              in two halves

            1. measure
            2. cut

            > Measure twice,
            > cut once.

            ```
            let  spaced = "as is";
            ```

            ---

            ![The bench in daylight](https://example.com/bench.jpg) and <https://example.com/plain>.
            """;
        var html = Render(markdown);

        var text = PostPlainText.FromHtml(html);

        Assert.Equal("""
            Workshop notes
            ==============

            The week started with a long list and ended with a shorter one. Most of the
            time went into the joinery: cutting, test fitting, paring, and cutting
            again.

            What happened
            =============

            - sharpened every chisel
            - glued up the top, see the drawings (https://example.com/drawings) in two
              halves

            1. measure
            2. cut

            > Measure twice, cut once.

            let  spaced = "as is";

            ----

            [The bench in daylight] and https://example.com/plain.
            """.ReplaceLineEndings("\n"), text);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= PostPlainText.Width, $"a line of {line.Length}: {line}"));
    }

    [Fact]
    public void FromHtml_AParagraphLongerThanALine_IsWrappedAtSpaces_AndALongWordKeepsALineOfItsOwn()
    {
        var word = new string('w', 120);
        var text = PostPlainText.FromHtml($"<p>{string.Join(' ', Enumerable.Repeat("word", 40))} {word} end</p>");

        var lines = text.Split('\n');
        Assert.Equal(string.Join(' ', Enumerable.Repeat("word", 40)) + $" {word} end", string.Join(' ', lines));
        Assert.Contains(word, lines);
        Assert.All(lines.Where(line => line != word), line => Assert.True(line.Length <= PostPlainText.Width));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("<p>Mail <a href=\"mailto:ann@example.test\">ann@example.test</a> or <a href=\"mailto:bob@example.test\">Bob</a></p>", "Mail ann@example.test or Bob (bob@example.test)")]
    [InlineData("<p>Line one<br>line two</p>", "Line one\nline two")]
    [InlineData("<table><tr><th>Tier</th><th>Price</th></tr><tr><td>Gold</td><td>5 €</td></tr></table>", "Tier | Price\nGold | 5 €")]
    [InlineData("<p>A note<sup><a href=\"#fn:1\">1</a></sup></p><ol><li><p>The note <a class=\"footnote-back-ref\" href=\"#fnref:1\">↩</a></p></li></ol>", "A note1\n\n1. The note")]
    public void FromHtml_Elements(string html, string expected)
    {
        Assert.Equal(expected, PostPlainText.FromHtml(html));
    }

    private static string Render(string markdown)
    {
        var post = Renderer.Render(markdown);
        return post.TeaserHtml + post.MembersHtml;
    }
}
