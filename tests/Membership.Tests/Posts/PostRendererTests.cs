using System.Text.RegularExpressions;
using Membership.Web.Features.Posts;

namespace Membership.Tests.Posts;

public sealed class PostRendererTests
{
    private static readonly PostRenderer Renderer = new();

    // ---------------------------------------------------------------- the cut

    [Fact]
    public void Render_WithCut_SplitsTeaserAndMembers()
    {
        var post = Renderer.Render("Free intro.\n\n<!--members-only-->\n\nSecret part.");

        Assert.True(post.HasCut);
        Assert.Contains("Free intro.", post.TeaserHtml);
        Assert.DoesNotContain("Secret", post.TeaserHtml);
        Assert.Contains("Secret part.", post.MembersHtml);
        Assert.DoesNotContain("Free intro", post.MembersHtml);
        Assert.Equal("Free intro.", post.TeaserText);
        Assert.Equal("Secret part.", post.MembersText);
        Assert.DoesNotContain("members-only", post.TeaserHtml + post.MembersHtml);
    }

    [Fact]
    public void Render_WithoutCut_PutsEverythingInMembers()
    {
        var post = Renderer.Render("First paragraph.\n\nSecond paragraph.");

        Assert.False(post.HasCut);
        Assert.Equal("", post.TeaserHtml);
        Assert.Equal("", post.TeaserText);
        Assert.Contains("<p>First paragraph.</p>", post.MembersHtml);
        Assert.Contains("<p>Second paragraph.</p>", post.MembersHtml);
        Assert.Equal("First paragraph. Second paragraph.", post.MembersText);
    }

    [Fact]
    public void Render_CutWithSurroundingWhitespaceAndCrlf_Counts()
    {
        var post = Renderer.Render("Teaser.\r\n\r\n \t<!--members-only-->  \r\n\r\nMembers.\r\n");

        Assert.True(post.HasCut);
        Assert.Equal("Teaser.", post.TeaserText);
        Assert.Equal("Members.", post.MembersText);
    }

    [Fact]
    public void Render_CutOnFirstLine_HasEmptyTeaser()
    {
        var post = Renderer.Render("<!--members-only-->\nAll for members.");

        Assert.True(post.HasCut);
        Assert.Equal("", post.TeaserHtml);
        Assert.Equal("", post.TeaserText);
        Assert.Equal("All for members.", post.MembersText);
    }

    [Fact]
    public void Render_CutInsideBacktickFence_IsIgnored()
    {
        var post = Renderer.Render("How to cut:\n\n```markdown\n<!--members-only-->\n```\n\nStill public.");

        Assert.False(post.HasCut);
        Assert.Equal("", post.TeaserHtml);
        Assert.Contains("&lt;!--members-only--&gt;", post.MembersHtml);
        Assert.Contains("Still public.", post.MembersHtml);
    }

    [Fact]
    public void Render_CutInsideTildeFence_IsIgnored()
    {
        var post = Renderer.Render("~~~~\n<!--members-only-->\n~~~\nstill code\n~~~~\n\nAfter.");

        Assert.False(post.HasCut);
        Assert.Contains("&lt;!--members-only--&gt;", post.MembersHtml);
        Assert.Contains("still code", post.MembersHtml);
    }

    [Fact]
    public void Render_CutInsideUnclosedFence_IsIgnored()
    {
        var post = Renderer.Render("```\ncode\n<!--members-only-->\nmore code");

        Assert.False(post.HasCut);
        Assert.Contains("&lt;!--members-only--&gt;", post.MembersHtml);
    }

    [Fact]
    public void Render_CutAfterClosedFence_Counts()
    {
        var post = Renderer.Render("```\n<!--members-only-->\n```\n\n<!--members-only-->\n\nMembers.");

        Assert.True(post.HasCut);
        Assert.Contains("&lt;!--members-only--&gt;", post.TeaserHtml);
        Assert.Equal("Members.", post.MembersText);
    }

    [Theory]
    [InlineData("Before <!--members-only--> after.")]
    [InlineData("`<!--members-only-->`")]
    [InlineData("> <!--members-only-->")]
    [InlineData("<!-- members-only -->")]
    public void Render_CutNotAloneOnTopLevelLine_IsIgnored(string markdown)
    {
        var post = Renderer.Render("Intro.\n\n" + markdown + "\n\nRest.");

        Assert.False(post.HasCut);
        Assert.Equal("", post.TeaserHtml);
    }

    [Fact]
    public void Render_OnlyFirstCutCounts()
    {
        var post = Renderer.Render("One.\n\n<!--members-only-->\n\nTwo.\n\n<!--members-only-->\n\nThree.");

        Assert.True(post.HasCut);
        Assert.Equal("One.", post.TeaserText);
        Assert.Equal("Two. Three.", post.MembersText);
        Assert.DoesNotContain("members-only", post.MembersHtml);
    }

    [Fact]
    public void Render_TextParts_HaveNoMarkup()
    {
        var post = Renderer.Render(
            "# Fish &amp; Chips\n\nA *very* **good** [recipe](https://example.com)\nwith   spaces.\n\n- salt\n- vinegar\n\n" +
            "<!--members-only-->\n\n## Secret\n\n<div class=\"x\">Batter &lt;3</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![pic](https://x/p.png)");

        Assert.Equal("Fish & Chips A very good recipe with spaces. salt vinegar", post.TeaserText);
        Assert.Equal("Secret Batter <3 a b 1 2", post.MembersText);
        foreach (var text in new[] { post.TeaserText, post.MembersText })
        {
            Assert.DoesNotMatch(@"<[a-zA-Z/!]", text);
            Assert.DoesNotContain("&amp;", text);
            Assert.DoesNotMatch(@"\s\s|[\r\n\t]", text);
            Assert.Equal(text.Trim(), text);
        }
    }

    [Fact]
    public void Render_EmptyInput_ReturnsEmptyParts()
    {
        var post = Renderer.Render("");

        Assert.Equal(new RenderedPost("", "", "", "", false), post);
        Assert.Equal("", Renderer.RenderPreview("   \n"));
        Assert.Equal("", Renderer.Sanitize(""));
    }

    [Fact]
    public void RenderPreview_WithCut_ShowsPaywallHrBetweenTheParts()
    {
        var preview = Renderer.RenderPreview("Public.\n\n<!--members-only-->\n\nPrivate.");

        var hr = preview.IndexOf("<hr class=\"paywall-cut\">", StringComparison.Ordinal);
        Assert.True(hr > 0, preview);
        Assert.Equal(hr, preview.LastIndexOf("<hr", StringComparison.Ordinal));
        Assert.True(preview.IndexOf("Public.", StringComparison.Ordinal) < hr);
        Assert.True(preview.IndexOf("Private.", StringComparison.Ordinal) > hr);
        Assert.DoesNotContain("members-only", preview);
    }

    [Fact]
    public void RenderPreview_WithoutCut_HasNoPaywallHr()
    {
        var preview = Renderer.RenderPreview("Just a post.\n\n```\n<!--members-only-->\n```");

        Assert.DoesNotContain("paywall-cut", preview);
        Assert.Contains("Just a post.", preview);
    }

    [Fact]
    public void Render_UserSuppliedPaywallHr_LosesItsClass()
    {
        var post = Renderer.Render("<hr class=\"paywall-cut\">\n\ntext");

        Assert.False(post.HasCut);
        Assert.DoesNotContain("paywall-cut", post.MembersHtml);
        Assert.DoesNotContain("paywall-cut", Renderer.RenderPreview("<hr class=\"paywall-cut\">"));
    }

    [Fact]
    public void Render_UnknownClassesAreStripped_AndIdsArePrefixed()
    {
        var post = Renderer.Render("<div class=\"modal fixed-top\" id=\"login\">hi</div>\n\n# Heading\n\n[jump](#heading)");

        Assert.DoesNotContain("class=", post.MembersHtml);
        Assert.Contains("id=\"user-content-login\"", post.MembersHtml);
        Assert.Contains("<h1 id=\"user-content-heading\">Heading</h1>", post.MembersHtml);
        Assert.Contains("href=\"#user-content-heading\"", post.MembersHtml);
    }

    [Fact]
    public void Sanitize_IsIdempotent()
    {
        var once = Renderer.Sanitize("<p id=\"a\"><a href=\"#a\" rel=\"opener\">x</a><img src=x onerror=alert(1)></p>");

        Assert.Equal(once, Renderer.Sanitize(once));
    }

    [Fact]
    public void Render_IsThreadSafe()
    {
        const string markdown = "# T\n\nIntro [l](https://e.com).\n\n<!--members-only-->\n\n| a |\n|---|\n| b |\n\n<script>x</script>";
        var expected = Renderer.Render(markdown);

        var results = new RenderedPost[64];
        Parallel.For(0, results.Length, i => results[i] = Renderer.Render(markdown));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    // ---------------------------------------------------------------- XSS

    public static TheoryData<string> XssPayloads => new()
    {
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "text <img src=x onerror=alert(1)> inline",
        "[x](javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">",
        "<a href=\"&#106;avascript:alert(1)\">",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<form action=\"https://evil\"><input name=x></form>",
        "<button formaction=\"javascript:alert(1)\">x</button>",
        "<select><option>x</option></select><textarea>x</textarea>",
        "<style>body{display:none}</style>",
        "<p style=\"position:fixed\">",
        "<iframe src=\"https://evil\">",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<math><mtext><script>alert(1)</script></mtext></math>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
        "<video poster=\"javascript:alert(1)\" src=\"data:video/mp4;base64,AAAA\"></video>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil\">",
        "<base href=\"https://evil/\">",
        "<link rel=stylesheet href=\"https://evil/x.css\">",
    };

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Render_XssPayloadAboveCut_IsRemoved(string payload)
    {
        var post = Renderer.Render("Intro.\n\n" + payload + "\n\n<!--members-only-->\n\nMembers.");

        Assert.True(post.HasCut);
        AssertSafe(post.TeaserHtml);
        AssertSafe(post.MembersHtml);
        AssertNoMarkup(post.TeaserText);
        Assert.Equal("Members.", post.MembersText);
    }

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Render_XssPayloadBelowCut_IsRemoved(string payload)
    {
        var post = Renderer.Render("Intro.\n\n<!--members-only-->\n\n" + payload + "\n\nMore.");

        Assert.True(post.HasCut);
        AssertSafe(post.TeaserHtml);
        AssertSafe(post.MembersHtml);
        Assert.Equal("Intro.", post.TeaserText);
        AssertNoMarkup(post.MembersText);
    }

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Render_XssPayloadWithoutCut_IsRemoved(string payload)
    {
        var post = Renderer.Render(payload);

        AssertSafe(post.MembersHtml);
        AssertNoMarkup(post.MembersText);
    }

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void RenderPreview_XssPayload_IsRemoved(string payload)
    {
        AssertSafe(Renderer.RenderPreview(payload + "\n\n<!--members-only-->\n\n" + payload));
        AssertSafe(Renderer.RenderPreview(payload));
    }

    [Theory]
    [MemberData(nameof(XssPayloads))]
    public void Sanitize_XssPayload_IsRemoved(string payload)
    {
        var html = Renderer.Sanitize(payload);

        if (payload.StartsWith('[') || payload.StartsWith('!'))
        {
            // Markdown link syntax is just inert text to the HTML sanitizer.
            Assert.DoesNotContain("<a", html);
            Assert.DoesNotContain("<img", html);
            Assert.DoesNotMatch(@"(href|src)\s*=", html);
        }
        else
        {
            AssertSafe(html);
        }
    }

    private static readonly string[] ForbiddenFragments =
    [
        "<script", "javascript:", "vbscript:", "<style", "style=", "<form", "<input", "<button", "<select",
        "<textarea", "<iframe", "srcdoc", "<object", "<embed", "<svg", "<math", "<meta", "<base", "<link",
        "<noscript", "<body",
    ];

    private static void AssertSafe(string html)
    {
        foreach (var fragment in ForbiddenFragments)
        {
            Assert.False(html.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"'{fragment}' in: {html}");
        }

        Assert.DoesNotMatch(new Regex(@"\son\w+\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\b(href|src|poster)\s*=\s*[""']?\s*data:", RegexOptions.IgnoreCase), html);
    }

    private static void AssertNoMarkup(string text)
    {
        Assert.DoesNotMatch(@"<[a-zA-Z/!]", text);
        Assert.DoesNotContain("alert(", text);
    }

    // ---------------------------------------------------------------- allowed content

    [Fact]
    public void Render_Headings_Survive()
    {
        var html = Renderer.Render("# One\n\n## Two\n\n###### Six").MembersHtml;

        Assert.Contains("<h1 id=\"user-content-one\">One</h1>", html);
        Assert.Contains("<h2 id=\"user-content-two\">Two</h2>", html);
        Assert.Contains("<h6 id=\"user-content-six\">Six</h6>", html);
    }

    [Fact]
    public void Render_Emphasis_Survives()
    {
        var html = Renderer.Render("*em* **strong** ~~gone~~ `code`").MembersHtml;

        Assert.Contains("<em>em</em>", html);
        Assert.Contains("<strong>strong</strong>", html);
        Assert.Contains("<del>gone</del>", html);
        Assert.Contains("<code>code</code>", html);
    }

    [Fact]
    public void Render_Lists_Survive()
    {
        var html = Renderer.Render("- a\n- b\n\n1. one\n2. two").MembersHtml;

        Assert.Contains("<ul>\n<li>a</li>\n<li>b</li>\n</ul>", html);
        Assert.Contains("<ol>\n<li>one</li>\n<li>two</li>\n</ol>", html);
    }

    [Fact]
    public void Render_HttpsLink_SurvivesWithRel()
    {
        var html = Renderer.Render("[site](https://example.com/page?a=1&b=2)").MembersHtml;

        Assert.Contains("<a href=\"https://example.com/page?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">site</a>", html);
    }

    [Fact]
    public void Render_RawHtmlLink_GetsPostRelAndLosesTarget()
    {
        var html = Renderer.Render("<a href=\"https://example.com\" rel=\"opener\" target=\"_blank\">x</a>").MembersHtml;

        Assert.Contains("<a href=\"https://example.com\" rel=\"nofollow noopener noreferrer\">x</a>", html);
        Assert.DoesNotContain("target", html);
    }

    [Fact]
    public void Render_RelativeLink_Survives()
    {
        var html = Renderer.Render("[older post](/posts/42)").MembersHtml;

        Assert.Contains("href=\"/posts/42\"", html);
    }

    [Fact]
    public void Render_MailtoLink_Survives()
    {
        var html = Renderer.Render("[write me](mailto:jane@example.com)").MembersHtml;

        Assert.Contains("<a href=\"mailto:jane@example.com\" rel=\"nofollow noopener noreferrer\">write me</a>", html);
    }

    [Fact]
    public void Render_HttpsImage_Survives()
    {
        var html = Renderer.Render("![A cat](https://img.example.com/cat.png \"Cat\")\n\n<img src=\"https://x/y.png\" width=\"10\" height=\"20\" alt=\"y\">").MembersHtml;

        Assert.Contains("<img src=\"https://img.example.com/cat.png\" alt=\"A cat\" title=\"Cat\">", html);
        Assert.Contains("<img src=\"https://x/y.png\" width=\"10\" height=\"20\" alt=\"y\">", html);
    }

    [Fact]
    public void Render_Audio_Survives()
    {
        var html = Renderer.Render("<audio controls src=\"https://x/a.mp3\"></audio>").MembersHtml;

        Assert.Contains("<audio controls=\"\" src=\"https://x/a.mp3\"></audio>", html);
    }

    [Fact]
    public void Render_VideoWithSource_Survives()
    {
        var html = Renderer.Render(
            "<video controls preload=\"none\" poster=\"https://x/p.jpg\"><source src=\"https://x/v.mp4\" type=\"video/mp4\"></video>").MembersHtml;

        Assert.Contains(
            "<video controls=\"\" preload=\"none\" poster=\"https://x/p.jpg\"><source src=\"https://x/v.mp4\" type=\"video/mp4\"></video>", html);
    }

    [Fact]
    public void Render_Table_Survives()
    {
        var html = Renderer.Render("| Tier | Price |\n|------|------:|\n| Gold | 5 |").MembersHtml;

        Assert.Contains("<table>", html);
        Assert.Contains("<th>Tier</th>", html);
        Assert.Contains("<td>Gold</td>", html);
        Assert.DoesNotContain("style=", html); // Markdig's alignment styles are stripped
    }

    [Fact]
    public void Render_CodeBlockShowingScript_IsEscapedText()
    {
        var html = Renderer.Render("```html\n<script>alert(1)</script>\n```").MembersHtml;

        Assert.Contains("<pre><code class=\"language-html\">&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void Render_Footnotes_KeepWorkingLinks()
    {
        var html = Renderer.Render("Claim[^1].\n\n[^1]: Source.").MembersHtml;

        Assert.Contains("id=\"user-content-fnref:1\" href=\"#user-content-fn:1\" class=\"footnote-ref\"", html);
        Assert.Contains("<li id=\"user-content-fn:1\">", html);
    }
}
