using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Membership.Data.Entities;

namespace Membership.Web.Features.Posts;

/// <summary>RSS 2.0 for the public feed (teasers) and the private feeds (full posts, audio enclosures).</summary>
public static partial class RssWriter
{
    public sealed record Enclosure(string Url, long Length, string ContentType);

    public static string Write(
        Creator creator,
        string creatorUrl,
        IReadOnlyList<PostCard> posts,
        Func<PostCard, string> description,
        Func<PostCard, Enclosure?> enclosure)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, Async = false };
        var builder = new StringBuilder();
        using (var writer = XmlWriter.Create(new StringWriterWithEncoding(builder), settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("rss");
            writer.WriteAttributeString("version", "2.0");
            writer.WriteStartElement("channel");
            writer.WriteElementString("title", creator.DisplayName);
            writer.WriteElementString("link", creatorUrl);
            writer.WriteElementString("description", creator.Bio.Length > 0 ? creator.Bio : creator.DisplayName);
            foreach (var post in posts)
            {
                var link = $"{creatorUrl.TrimEnd('/')}/posts/{post.Slug}";
                writer.WriteStartElement("item");
                writer.WriteElementString("title", post.Title);
                writer.WriteElementString("link", link);
                writer.WriteStartElement("guid");
                writer.WriteAttributeString("isPermaLink", "true");
                writer.WriteString(link);
                writer.WriteEndElement();
                if (post.PublishedAt is { } published)
                {
                    writer.WriteElementString("pubDate", published.ToString("R", CultureInfo.InvariantCulture));
                }

                writer.WriteElementString("description", description(post));
                if (enclosure(post) is { } file)
                {
                    writer.WriteStartElement("enclosure");
                    writer.WriteAttributeString("url", file.Url);
                    writer.WriteAttributeString("length", file.Length.ToString(CultureInfo.InvariantCulture));
                    writer.WriteAttributeString("type", file.ContentType);
                    writer.WriteEndElement();
                }

                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return builder.ToString();
    }

    /// <summary>The public part of a post for a feed: its teaser (or summary) and a link to read on.</summary>
    public static string Teaser(PostCard post, string link)
    {
        var intro = post.TeaserHtml.Length > 0 ? post.TeaserHtml : $"<p>{WebUtility.HtmlEncode(post.Summary)}</p>";
        return post.Access == PostAccess.Public && post.BodyHtml is not null && post.TeaserHtml.Length == 0
            ? $"<p>{WebUtility.HtmlEncode(post.Summary)}</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">Read the post</a></p>"
            : $"{intro}<p><a href=\"{WebUtility.HtmlEncode(link)}\">Read the rest on the site</a></p>";
    }

    /// <summary>
    /// <paramref name="html"/> for a feed reader, which has no base address and no cookie: the
    /// post's own files (<see cref="PostFileLinks"/>) go to <paramref name="ownFile"/>'s address
    /// when it gives one, and every other site-relative link or image becomes absolute.
    /// </summary>
    public static string WithAbsoluteLinks(string html, string handle, string slug, Func<string, string> absolute, Func<int, string?> ownFile)
    {
        var ownPrefix = PostFileLinks.Path(handle, slug, 0)[..^1];
        return SiteRelative().Replace(html, match =>
        {
            var path = WebUtility.HtmlDecode(match.Groups[2].Value);
            var url = path.StartsWith(ownPrefix, StringComparison.Ordinal)
                && int.TryParse(path.AsSpan(ownPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && ownFile(id) is { } fileUrl
                    ? fileUrl
                    : absolute(path);
            return $"{match.Groups[1].Value}=\"{WebUtility.HtmlEncode(url)}\"";
        });
    }

    [GeneratedRegex("\\b(href|src)=\"(/(?!/)[^\"]*)\"")]
    private static partial Regex SiteRelative();

    private sealed class StringWriterWithEncoding(StringBuilder builder) : StringWriter(builder, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
