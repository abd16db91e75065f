using System.Net;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Email;

/// <summary>Post deliveries through a real SMTP server (aiosmtpd), read back from its Maildir.</summary>
public sealed partial class PostEmailTests
{
    [Theory]
    [InlineData("Members", new string[0], new[] { "follower", "bronze", "gold", "pastdue-gold", "lapsed-gold" })]
    [InlineData("Paid", new string[0], new[] { "bronze", "gold", "pastdue-gold" })]
    [InlineData("Tiers", new[] { "Gold" }, new[] { "gold", "pastdue-gold" })]
    public async Task Publish_WithEmail_ReachesExactlyTheEntitledMembersWhoWantIt(string access, string[] tiers, string[] expected)
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var postId = await scenario.PublishAndEmailAsync("news", access, secret, tiers);

        await scenario.SendAsync(await scenario.DeliveryIdAsync(postId));

        var expectedAddresses = expected.Select(name => scenario.Fans[name].ToLowerInvariant()).Order().ToList();
        Assert.Equal(expectedAddresses, smtp.Recipients().Order().ToList());
        foreach (var message in smtp.Messages())
        {
            Assert.Contains(secret, message.TextBody);
            Assert.Contains(secret, message.HtmlBody);
        }
    }

    [Fact]
    public async Task EachMessage_IsPersonalWithOneClickUnsubscribeHeaders()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("hello", "Tiers", "SECRET-x", "Gold");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        await scenario.SendAsync(deliveryId);

        var messages = smtp.Messages();
        Assert.Equal(2, messages.Count);
        var unsubscribeLinks = new HashSet<string>();
        foreach (var message in messages)
        {
            var to = message.To.Mailboxes.Single().Address;
            var name = scenario.Fans.Single(f => f.Value.Equals(to, StringComparison.OrdinalIgnoreCase)).Key;
            Assert.Contains($"Hi Fan {name}", message.TextBody);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
            var link = UnsubscribeHeader().Match(message.Headers["List-Unsubscribe"] ?? "");
            Assert.True(link.Success, message.Headers["List-Unsubscribe"]);
            Assert.StartsWith("http://localhost/email/unsubscribe/", link.Groups[1].Value);
            Assert.Contains(link.Groups[1].Value, message.TextBody);
            Assert.Contains($"http://localhost/{scenario.Handle}/posts/hello", message.TextBody);
            Assert.NotNull(message.HtmlBody);
            Assert.Contains("<h1", message.HtmlBody);
            Assert.Contains($"Fan {name}", message.HtmlBody);
            Assert.Contains($"href=\"{System.Net.WebUtility.HtmlEncode(link.Groups[1].Value)}\"", message.HtmlBody);
            Assert.DoesNotContain("%%", message.TextBody + message.HtmlBody);
            Assert.StartsWith($"post-{deliveryId}-", message.MessageId);
            unsubscribeLinks.Add(link.Groups[1].Value);
        }

        Assert.Equal(2, unsubscribeLinks.Count);
        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(2, counts[RecipientStatus.Sent]);
        Assert.NotNull(await site.WithDbAsync(db => db.EmailDeliveries.Where(d => d.Id == deliveryId).Select(d => d.CompletedAt).SingleAsync()));
    }

    [Fact]
    public async Task OneClickUnsubscribe_WorksWithoutCookies_TurnsOffOnlyThatCreator_ForgedTokenRefused()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var other = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("bye", "Tiers", "SECRET-y", "Gold");
        await scenario.SendAsync(await scenario.DeliveryIdAsync(postId));
        var goldEmail = scenario.Fans["gold"];
        var message = smtp.Messages().Single(m => m.To.Mailboxes.Single().Address.Equals(goldEmail, StringComparison.OrdinalIgnoreCase));
        var url = new Uri(UnsubscribeHeader().Match(message.Headers["List-Unsubscribe"] ?? "").Groups[1].Value);
        // The same fan is also a member of another creator.
        await site.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == goldEmail);
            var otherCreator = await db.Creators.SingleAsync(c => c.Handle == other.Handle);
            db.Members.Add(new Member { CreatorId = otherCreator.Id, UserId = user.Id, Status = MemberStatus.Following, JoinedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        });

        using var mailClient = site.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var forged = await mailClient.PostAsync(url.AbsolutePath + "x", new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(await PostEmailsAsync(site, goldEmail, scenario.Handle));

        var response = await mailClient.PostAsync(url.AbsolutePath, new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You are unsubscribed", await response.Content.ReadAsStringAsync());
        Assert.False(await PostEmailsAsync(site, goldEmail, scenario.Handle));
        Assert.True(await PostEmailsAsync(site, goldEmail, other.Handle));
        var count = await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == scenario.Handle));
        Assert.Equal(6, count);
    }

    [Fact]
    public async Task SmtpDownAtStart_NothingMarkedSent_ThenRetryDeliversEachOnce()
    {
        var smtp = SmtpServer.Reserve();
        await using var _ = smtp;
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("down", "Paid", "SECRET-z");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        await Assert.ThrowsAnyAsync<Exception>(() => scenario.SendAsync(deliveryId));

        var afterFailure = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(new Dictionary<RecipientStatus, int> { [RecipientStatus.Pending] = 3 }, afterFailure);
        Assert.Equal(0, await site.WithDbAsync(db => db.EmailRecipients.CountAsync(r => r.DeliveryId == deliveryId && r.ClaimedUntil != null)));

        await smtp.StartAsync();
        await scenario.SendAsync(deliveryId);

        Assert.Equal(3, smtp.Recipients().Distinct().Count());
        Assert.Equal(3, smtp.Messages().Count);
        Assert.Equal(3, (await scenario.StatusCountsAsync(deliveryId))[RecipientStatus.Sent]);
    }

    [Fact]
    public async Task ConnectionDroppedMidBatch_Reconnects_NoRecipientTwice()
    {
        await using var smtp = await SmtpServer.StartNewAsync(dropAt: 3);
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        for (var i = 0; i < 20; i++)
        {
            await scenario.AddFanAsync($"extra{i}", MemberStatus.Following, null);
        }

        var postId = await scenario.PublishAndEmailAsync("dropped", "Members", "SECRET-d");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        await scenario.SendAsync(deliveryId);

        var recipients = smtp.Recipients();
        Assert.Equal(25, recipients.Count);
        Assert.Equal(recipients.Count, recipients.Distinct().Count());
        Assert.Equal(25, (await scenario.StatusCountsAsync(deliveryId))[RecipientStatus.Sent]);
    }

    [Fact]
    public async Task RecipientRejectedWith550_OnlyThatOneFails_AndIsSuppressed()
    {
        await using var smtp = await SmtpServer.StartNewAsync(rejectPrefix: "bounce");
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        await scenario.AddFanAsync("bounce", MemberStatus.Following, null);
        var postId = await scenario.PublishAndEmailAsync("bounce-post", "Members", "SECRET-b");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        await scenario.SendAsync(deliveryId);

        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(5, counts[RecipientStatus.Sent]);
        Assert.Equal(1, counts[RecipientStatus.Failed]);
        var failed = await site.WithDbAsync(db => db.EmailRecipients.SingleAsync(r => r.DeliveryId == deliveryId && r.Status == RecipientStatus.Failed));
        Assert.Equal(scenario.Fans["bounce"], failed.Email);
        Assert.Contains("Mailbox unavailable", failed.LastError);
        Assert.True(await site.WithDbAsync(db => db.EmailSuppressions.AnyAsync(s => s.NormalizedEmail == failed.Email.ToUpperInvariant())));
        Assert.DoesNotContain(scenario.Fans["bounce"].ToLowerInvariant(), smtp.Recipients());

        var report = await scenario.Creator.GetAsync($"/creator/posts/{postId}");
        Assert.Contains(scenario.Fans["bounce"], report.Html);
        Assert.Contains("Mailbox unavailable", report.Html);
    }

    [Fact]
    public async Task Recipient451_IsRetriedAndSentOnce()
    {
        await using var smtp = await SmtpServer.StartNewAsync(tempFailPrefix: "greylisted");
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        await scenario.AddFanAsync("greylisted", MemberStatus.Following, null);
        var postId = await scenario.PublishAndEmailAsync("grey", "Members", "SECRET-t");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        await scenario.SendAsync(deliveryId);

        Assert.Equal(6, (await scenario.StatusCountsAsync(deliveryId))[RecipientStatus.Sent]);
        Assert.Single(smtp.Recipients(), r => r == scenario.Fans["greylisted"].ToLowerInvariant());
        Assert.Equal(6, smtp.Recipients().Distinct().Count());
    }

    [Fact]
    public async Task SendByEmail_AsksFirstWithTheCountAndThatItGoesOnce_ThenRecordsOneDelivery()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var published = await scenario.Creator.SubmitAsync("/creator/posts/new", "/creator/posts/new", new Dictionary<string, string>
        {
            ["Form.Title"] = "Ask first",
            ["Form.Body"] = "For the members.",
            ["Form.Access"] = "Members",
            ["Form.Intent"] = "Publish",
        });
        Assert.Equal(HttpStatusCode.Redirect, published.Status);
        var postId = await site.WithDbAsync(db => db.Posts.Where(p => p.Title == "Ask first" && p.Creator!.Handle == scenario.Handle).Select(p => p.Id).SingleAsync());
        Assert.Contains("It would go to <strong>5 members</strong>", (await scenario.Creator.GetAsync($"/creator/posts/{postId}")).Html);

        var confirm = await scenario.Creator.GetAsync($"/creator/posts/{postId}/email");

        Assert.Equal(HttpStatusCode.OK, confirm.Status);
        Assert.Contains("It goes to <strong>5 members</strong>", confirm.Html);
        Assert.Contains("A post is emailed only once", confirm.Html);
        Assert.Equal(0, await site.WithDbAsync(db => db.EmailDeliveries.CountAsync(d => d.PostId == postId)));
        var sent = await scenario.Creator.SubmitAsync($"/creator/posts/{postId}/email", $"/creator/posts/{postId}/email", []);
        Assert.Equal(HttpStatusCode.Redirect, sent.Status);
        Assert.Equal(1, await site.WithDbAsync(db => db.EmailDeliveries.CountAsync(d => d.PostId == postId)));
        var again = await scenario.Creator.GetAsync($"/creator/posts/{postId}/email");
        Assert.Equal(HttpStatusCode.Redirect, again.Status);
    }

    [Fact]
    public async Task PublishTwice_OrSendAgain_RecordsOneDelivery()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("once", "Members", "SECRET-o");

        var again = await scenario.Creator.SubmitAsync($"/creator/posts/{postId}", $"/creator/posts/{postId}/email", []);

        Assert.Equal(HttpStatusCode.Redirect, again.Status);
        Assert.Contains("already been emailed", (await scenario.Creator.GetAsync($"/creator/posts/{postId}")).Text);
        Assert.Equal(1, await site.WithDbAsync(db => db.EmailDeliveries.CountAsync(d => d.PostId == postId)));
        Assert.Equal(5, await site.WithDbAsync(db => db.EmailRecipients.CountAsync(r => r.Delivery!.PostId == postId)));
    }

    [Fact]
    public async Task MembershipLapsesBeforeSending_RecipientIsSkippedNotSent()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("gold-news", "Tiers", "SECRET-g", "Gold");
        var deliveryId = await scenario.DeliveryIdAsync(postId);
        await site.SetAsync(scenario.Fans["pastdue-gold"], scenario.Handle, MemberStatus.Ended, scenario.Tiers["Gold"]);

        await scenario.SendAsync(deliveryId);

        Assert.Equal([scenario.Fans["gold"].ToLowerInvariant()], smtp.Recipients());
        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(1, counts[RecipientStatus.Skipped]);
    }

    private static Task<bool> PostEmailsAsync(MembershipFactory site, string email, string handle) =>
        site.WithDbAsync(db => db.Members.Where(m => m.User!.Email == email && m.Creator!.Handle == handle).Select(m => m.PostEmails).SingleAsync());

    [GeneratedRegex("^<(.+)>$")]
    private static partial Regex UnsubscribeHeader();
}
