using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Features.Posts;
using Membership.Web.Infrastructure.Email;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Email;

/// <summary>
/// Each recipient's copy of a post email, from the site's own templates: their name and
/// unsubscribe link wherever the templates put them (encoded for HTML in the HTML part), the
/// post's site-relative links made absolute, and nothing of another recipient.
/// </summary>
public sealed class PostEmailComposerTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public void For_TwoRecipients_EachCopyHasOnlyTheirNameAndLink_EncodedForHtml()
    {
        var services = site.Services;
        var post = new Post
        {
            Id = 7,
            Title = "Episode <one>",
            Slug = "episode-one",
            TeaserHtml = "<p>See <a href=\"/studio/posts/older\">the last one</a>.</p>",
            TeaserText = "See the last one.",
            MembersHtml = "<p>The members' part.</p>",
            MembersText = "The members' part.",
            Creator = new Creator { Handle = "studio", DisplayName = "Studio & Co" },
        };
        var composer = new PostEmailComposer(
            services.GetRequiredService<EmailTemplates>(), services.GetRequiredService<MimeMessageFactory>(),
            services.GetRequiredService<UnsubscribeTokens>(), services.GetRequiredService<SignedFileLinks>(), post, "https://members.test/", deliveryId: 3);
        var tokens = services.GetRequiredService<UnsubscribeTokens>();

        var zoe = composer.For(recipientId: 11, memberId: 21, "zoe@example.test", "Zoë <& friends>");
        var bob = composer.For(recipientId: 12, memberId: 22, "bob@example.test", "Bob");

        foreach (var (copy, name, memberId, other) in new[] { (zoe, "Zoë <& friends>", 21, "Bob"), (bob, "Bob", 22, "Zoë") })
        {
            var link = copy.Headers["List-Unsubscribe"].Trim('<', '>');
            Assert.Equal(memberId, tokens.MemberId(Uri.UnescapeDataString(link[(link.LastIndexOf('/') + 1)..])));
            Assert.StartsWith("https://members.test/email/unsubscribe/", link);
            Assert.Contains(name, copy.TextBody);
            Assert.Contains(link, copy.TextBody);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(name), copy.HtmlBody);
            Assert.Contains($"href=\"{System.Net.WebUtility.HtmlEncode(link)}\"", copy.HtmlBody);
            Assert.DoesNotContain(other, copy.TextBody + copy.HtmlBody);
            Assert.DoesNotContain("%%", copy.TextBody + copy.HtmlBody);
            Assert.Contains("href=\"https://members.test/studio/posts/older\"", copy.HtmlBody);
            Assert.Contains("See the last one (https://members.test/studio/posts/older).\n\nThe members' part.", copy.TextBody);
            Assert.Equal("List-Unsubscribe=One-Click", copy.Headers["List-Unsubscribe-Post"]);
        }

        Assert.DoesNotContain("<& friends>", zoe.HtmlBody);
        Assert.Equal("post-3-11@" + services.GetRequiredService<MimeMessageFactory>().Domain, zoe.MessageId);
        Assert.Equal(zoe.Subject, bob.Subject);
    }

    [Fact]
    public void For_PaidPostWithFiles_EachCopySignsItsOwnMembersLinksToThePostsFilesOnly()
    {
        var services = site.Services;
        var signer = services.GetRequiredService<SignedFileLinks>();
        var post = new Post
        {
            Id = 8,
            Title = "Pictures",
            Slug = "pictures",
            Access = PostAccess.Paid,
            TeaserHtml = "<p>Teaser.</p>",
            MembersHtml = "<p><img src=\"/studio/posts/pictures/files/41\" alt=\"A cat\"> and <a href=\"/studio/posts/other/files/77\">another post's file</a>, typed: %%FILE_77%%</p>",
            Creator = new Creator { Handle = "studio", DisplayName = "Studio" },
            Attachments = [new Attachment { Id = 41, FileName = "cat.png", ContentType = "image/png" }, new Attachment { Id = 42, FileName = "talk.mp3", ContentType = "audio/mpeg" }],
        };
        var composer = new PostEmailComposer(
            services.GetRequiredService<EmailTemplates>(), services.GetRequiredService<MimeMessageFactory>(),
            services.GetRequiredService<UnsubscribeTokens>(), signer, post, "https://members.test", deliveryId: 4);

        foreach (var memberId in new[] { 21, 22 })
        {
            var copy = composer.For(recipientId: memberId, memberId: memberId, $"m{memberId}@example.test", "M");
            foreach (var fileId in new[] { 41, 42 })
            {
                var link = System.Text.RegularExpressions.Regex.Match(copy.HtmlBody, $"https://members\\.test/studio/posts/pictures/files/{fileId}\\?access=([A-Za-z0-9_-]+)");
                Assert.True(link.Success, copy.HtmlBody);
                Assert.Equal(new SignedFileCheck(SignedLinkProblem.None, memberId), signer.Check(link.Groups[1].Value, fileId));
                Assert.Equal(SignedLinkProblem.Invalid, signer.Check(link.Groups[1].Value, fileId == 41 ? 42 : 41).Problem);
                Assert.Contains(link.Value, copy.TextBody);
            }

            Assert.Contains("src=\"https://members.test/studio/posts/pictures/files/41?access=", copy.HtmlBody);
            Assert.Contains("style=\"max-width:100%;height:auto;\"", copy.HtmlBody);
            Assert.Contains("href=\"https://members.test/studio/posts/other/files/77\"", copy.HtmlBody);
            Assert.Contains("%%FILE_77%%", copy.HtmlBody);
            Assert.DoesNotContain("%%FILE_4", copy.HtmlBody + copy.TextBody);
        }
    }
}
