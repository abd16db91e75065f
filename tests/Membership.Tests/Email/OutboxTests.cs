using System.Net;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Email;

/// <summary>Transactional email survives an SMTP outage: stored first, sent when the server is back, once.</summary>
public sealed class OutboxTests
{
    [Fact]
    public async Task SignUp_WhileSmtpIsDown_Succeeds_AndConfirmationGoesOutOnceWhenItIsBack()
    {
        var smtp = SmtpServer.Reserve();
        await using var _ = smtp;
        await using var site = new MembershipFactory { ExtraSettings = EmailScenario.SmtpSettings(smtp) };
        using var browser = site.CreateBrowser();
        var email = Unique.Email();

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Patient Person",
            ["Email"] = email,
            ["Password"] = Passwords.Good,
        });

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Check your email", page.Html);
        var row = await site.WithDbAsync(db => db.OutboxEmails.SingleAsync(e => e.To == email));
        Assert.Null(row.SentAt);
        // The background attempt fails against the closed port and schedules a retry.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (row.Attempts == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            row = await site.WithDbAsync(db => db.OutboxEmails.AsNoTracking().SingleAsync(e => e.To == email));
        }

        Assert.Equal(1, row.Attempts);
        Assert.Null(row.SentAt);
        Assert.NotNull(row.LastError);

        await smtp.StartAsync();
        // The retry is due after its back-off; the job sends what is due.
        await site.WithDbAsync(db => db.OutboxEmails.Where(e => e.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.NextAttemptAt, DateTime.UtcNow.AddSeconds(-1))));
        var dispatcher = site.Services.GetRequiredService<OutboxDispatcher>();
        Assert.Equal(1, await dispatcher.SendDueAsync(CancellationToken.None));
        Assert.Equal(0, await dispatcher.SendDueAsync(CancellationToken.None));

        var message = Assert.Single(smtp.Messages());
        Assert.Equal("Confirm your email", message.Subject);
        Assert.Equal(row.MessageId, message.MessageId);
        var sent = await site.WithDbAsync(db => db.OutboxEmails.AsNoTracking().SingleAsync(e => e.Id == row.Id));
        Assert.NotNull(sent.SentAt);
        // The confirmation link does not stay in the database once delivered.
        Assert.Equal("", sent.TextBody);
        Assert.Equal("", sent.HtmlBody);
    }

    [Fact]
    public async Task TransactionalTemplates_RenderTextAndHtmlWithEveryValue()
    {
        await using var site = new MembershipFactory();
        var emails = site.Services.GetRequiredService<TransactionalEmails>();
        var paid = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var messages = new[]
        {
            emails.Welcome("a@example.test", "Ann", "Dana Demo", "Insider", "https://m.example/demo", "https://m.example/portal"),
            emails.Receipt("a@example.test", "Ann", "Dana Demo", "Insider", 1500, "USD", paid, "in_123", "https://m.example/portal"),
            emails.PaymentFailed("a@example.test", "Ann", "Dana Demo", "Insider", 1500, "USD", paid.AddDays(7), "https://m.example/portal"),
            emails.RenewalReminder("a@example.test", "Ann", "Dana Demo", "Insider", 15000, "USD", paid.AddDays(7), "https://m.example/portal"),
        };

        foreach (var message in messages)
        {
            Assert.DoesNotContain("{{", message.Subject + message.TextBody + message.HtmlBody);
            Assert.Contains("Ann", message.TextBody);
            Assert.Contains("Ann", message.HtmlBody);
            Assert.Contains("https://m.example/portal", message.TextBody);
            Assert.Contains("<html", message.HtmlBody);
            Assert.DoesNotContain("<script", message.HtmlBody);
        }

        Assert.Equal("Receipt: $15.00 to Dana Demo", messages[1].Subject);
        Assert.Contains("8 November 2026", messages[2].TextBody);
        Assert.Contains("$150.00", messages[3].HtmlBody);
    }
}
