using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Tests.Billing;
using Membership.Tests.Email;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Membership.Tests.Members;

/// <summary>
/// Members enrolled by a creator's CSV import are told, once, through the real outbox and a real
/// SMTP server (aiosmtpd): which creator, as what, how to sign in, and a one-click leave link that
/// needs no sign-in. The roster and the member page mark them imported. An import never changes
/// what a person has with another creator.
/// </summary>
public sealed partial class ImportNoticeTests
{
    [Fact]
    public async Task Import_PayingMemberOfAnotherCreator_ToldOnceWithLeaveLink_NothingChangesThere()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var billing = await BillingSite.StartAsync(settings: EmailScenario.SmtpSettings(smtp));
        var other = await CreatorAsync(billing, connect: true);
        var fan = await FanAsync(billing, "payer");
        await fan.JoinAsync(other, "Gold");
        var before = await ElsewhereAsync(billing, other, fan.Email);
        Assert.Contains(before, row => row.Contains($"{MemberStatus.Active} Gold", StringComparison.Ordinal));

        var importer = await CreatorAsync(billing, connect: false, ("Friends", "3.00"));
        var importerName = await billing.DbAsync(db => db.Creators.Where(c => c.Handle == importer.Handle).Select(c => c.DisplayName).SingleAsync());
        var newcomer = Unique.Email("newcomer");
        var csv = Encoding.UTF8.GetBytes($"email,name,tier\n{fan.Email},Someone Else,Friends\n{newcomer},New Person,Friends\n");
        var preview = await importer.Browser.UploadAsync("/creator/members/import", "/creator/members/import", "patrons-2026.csv", csv,
            new Dictionary<string, string> { ["Form.Kind"] = "complimentary" });
        Assert.Contains("2 of 2 rows", preview.Text);
        var token = WebUtility.HtmlDecode(Token().Match(preview.Html).Groups[1].Value);

        // A double click on Import, then the same signed rows posted again: one membership each, one email each.
        var clicks = await importer.Browser.SubmitRepeatedlyAsync(preview, "/creator/members/import", "/creator/members/import/confirm",
            [new("token", token)], 2, TimeSpan.FromMilliseconds(30));
        Assert.All(clicks, c => Assert.Equal(HttpStatusCode.Redirect, c.Status));
        var replay = await importer.Browser.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token });
        Assert.Equal(HttpStatusCode.Redirect, replay.Status);
        // The same file again: both are members already, nothing to confirm.
        var again = await importer.Browser.UploadAsync("/creator/members/import", "/creator/members/import", "patrons-2026.csv", csv,
            new Dictionary<string, string> { ["Form.Kind"] = "complimentary" });
        Assert.Contains("0 of 2 rows", again.Text);
        Assert.DoesNotContain("name=\"token\"", again.Html);

        var subject = $"{importerName} added you to their members";
        var told = await WaitForAsync(smtp, fan.Email, subject);
        var toldNew = await WaitForAsync(smtp, newcomer, subject);
        await Task.Delay(500); // any second notice would be sent by now (the outbox sends at once)
        Assert.Single(smtp.Messages(), m => To(m, fan.Email) && m.Subject == subject);
        Assert.Single(smtp.Messages(), m => To(m, newcomer) && m.Subject == subject);
        var text = told.TextBody;
        Assert.Contains($"{importerName} added you to their members with complimentary access to Friends, from a list they imported.", text);
        Assert.Contains("You already have an account here with this address", text);
        Assert.Contains($"/{importer.Handle}", text);
        Assert.Contains(importerName, told.HtmlBody);
        Assert.Contains("An account was made for you with this address. It has no password", toldNew.TextBody);
        Assert.Contains("/account/magic-link", toldNew.TextBody);

        // Nothing changed with the other creator, nor on the account (the file's name for them is not taken).
        Assert.Equal(before, await ElsewhereAsync(billing, other, fan.Email));
        var imported = await billing.DbAsync(db => db.Members.AsNoTracking().Include(m => m.Tier).Include(m => m.User)
            .SingleAsync(m => m.Creator!.Handle == importer.Handle && m.User!.Email == fan.Email));
        Assert.Equal((MemberStatus.Active, true, "Friends", "patrons-2026.csv", "Fan payer"),
            (imported.Status, imported.IsComplimentary, imported.Tier!.Name, imported.ImportedFrom, imported.User!.DisplayName));
        Assert.NotNull(imported.ImportedAt);

        // The roster marks both; the member page says when and from which file.
        var roster = await importer.Browser.GetAsync("/creator/members");
        Assert.Equal(2, Imported().Matches(roster.Html).Count);
        var page = await importer.Browser.GetAsync($"/creator/members/{imported.Id}");
        Assert.Contains("from the file patrons-2026.csv", page.Text);

        // The leave link, opened by someone not signed in: a page naming the creator, with one button.
        var leave = new Uri(LeaveLink().Match(text ?? "").Value).PathAndQuery;
        using var anonymous = billing.Site.CreateBrowser();
        var opened = await anonymous.GetAsync(leave);
        Assert.Equal(HttpStatusCode.OK, opened.Status);
        Assert.Contains($"Leave {importerName}'s members?", opened.Text);
        Assert.Contains("with complimentary access to Friends", opened.Text);
        Assert.Equal(MemberStatus.Active, await StatusAsync(billing, importer, fan.Email));

        // A changed link, and a post without the page's antiforgery token, change nothing.
        var tampered = await anonymous.GetAsync(leave[..^3] + (leave[^3] == 'A' ? "BBB" : "AAA"));
        Assert.Equal(HttpStatusCode.BadRequest, tampered.Status);
        Assert.Contains("This leave link is not valid", tampered.Text);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync(leave, [])).Status);
        Assert.Equal(MemberStatus.Active, await StatusAsync(billing, importer, fan.Email));

        var form = await anonymous.FormAsync(leave, leave, []);
        var left = await anonymous.PostAsync(leave, form);
        Assert.Equal(HttpStatusCode.OK, left.Status);
        Assert.Contains($"You have left {importerName}'s members", left.Text);
        Assert.Equal(MemberStatus.Left, await StatusAsync(billing, importer, fan.Email));
        Assert.Equal(before, await ElsewhereAsync(billing, other, fan.Email));
        Assert.Single(Imported().Matches((await importer.Browser.GetAsync("/creator/members")).Html));

        // The button again (a second click, a resend): still left, nothing more; the link now says so.
        var twice = await anonymous.PostAsync(leave, form);
        Assert.Equal(HttpStatusCode.OK, twice.Status);
        Assert.Contains("You have left", twice.Text);
        Assert.Contains("You have left", (await anonymous.GetAsync(leave)).Text);
        Assert.Equal(MemberStatus.Left, await StatusAsync(billing, importer, fan.Email));
    }

    [Fact]
    public async Task LeaveLink_ImportedFollowerWhoNowPays_RefusedAsStopFollowingIs_FreeFollowerLeaves()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var billing = await BillingSite.StartAsync(settings: EmailScenario.SmtpSettings(smtp));
        var creator = await CreatorAsync(billing, connect: true);
        var creatorName = await billing.DbAsync(db => db.Creators.Where(c => c.Handle == creator.Handle).Select(c => c.DisplayName).SingleAsync());
        var payer = await FanAsync(billing, "payer");
        var follower = await FanAsync(billing, "follower");
        var csv = Encoding.UTF8.GetBytes($"email\n{payer.Email}\n{follower.Email}\n");
        var preview = await creator.Browser.UploadAsync("/creator/members/import", "/creator/members/import", "list.csv", csv,
            new Dictionary<string, string> { ["Form.Kind"] = "free" });
        var token = WebUtility.HtmlDecode(Token().Match(preview.Html).Groups[1].Value);
        Assert.Equal(HttpStatusCode.Redirect, (await creator.Browser.SubmitAsync("/creator/members", "/creator/members/import/confirm",
            new Dictionary<string, string> { ["token"] = token })).Status);

        var subject = $"{creatorName} added you to their members";
        var payerNotice = await WaitForAsync(smtp, payer.Email, subject);
        Assert.Contains("as a free follower", payerNotice.TextBody);
        var followerNotice = await WaitForAsync(smtp, follower.Email, subject);

        // Imported as a follower, then joined a paid tier: the link says to cancel first, as "Stop following" does.
        await payer.JoinAsync(creator, "Gold");
        var payerLeave = new Uri(LeaveLink().Match(payerNotice.TextBody ?? "").Value).PathAndQuery;
        using var anonymous = billing.Site.CreateBrowser();
        var opened = await anonymous.GetAsync(payerLeave);
        Assert.Contains(Membership.Web.Domain.Leaving.PayingRefusal, opened.Text);
        Assert.DoesNotContain("data-test=\"leave-button\"", opened.Html);
        var refused = await payer.Browser.SubmitAsync(payerLeave, payerLeave, []);
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal(MemberStatus.Active, await StatusAsync(billing, creator, payer.Email));
        var stopFollowing = await payer.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/unfollow", []);
        Assert.Equal(HttpStatusCode.Redirect, stopFollowing.Status);
        Assert.Equal(MemberStatus.Active, await StatusAsync(billing, creator, payer.Email));

        // A free follower leaves with the button, signed in or not.
        var followerLeave = new Uri(LeaveLink().Match(followerNotice.TextBody ?? "").Value).PathAndQuery;
        Assert.Contains("as a free follower", (await anonymous.GetAsync(followerLeave)).Text);
        Assert.Contains("You have left", (await follower.Browser.SubmitAsync(followerLeave, followerLeave, [])).Text);
        Assert.Equal(MemberStatus.Left, await StatusAsync(billing, creator, follower.Email));
    }

    // The site mails a real SMTP server here, so people are made confirmed and signed in with their
    // password (BillingSite's own helpers read the confirmation email from the pickup folder).

    /// <summary>A signed-in creator with a page, the given tiers (default Bronze 5.00 and Gold 15.00 monthly), payouts connected when asked.</summary>
    private static async Task<CreatorSetup> CreatorAsync(BillingSite billing, bool connect, params (string Name, string Monthly)[] tiers)
    {
        var email = Unique.Email("creator");
        var browser = await SignedInAsync(billing, email, "Creator Person");
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        foreach (var (name, monthly) in tiers.Length == 0 ? [("Bronze", "5.00"), ("Gold", "15.00")] : tiers)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.CreateTierAsync(TestBrowser.TierFields(name, monthly))).Status);
        }

        var setup = new CreatorSetup(billing, browser, handle, email,
            await billing.DbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).ToDictionaryAsync(t => t.Name, t => t.Id)));
        if (connect)
        {
            await setup.ConnectPayoutsAsync();
        }

        return setup;
    }

    private static async Task<Fan> FanAsync(BillingSite billing, string prefix)
    {
        var email = Unique.Email(prefix);
        return new Fan(billing, await SignedInAsync(billing, email, "Fan " + prefix), email);
    }

    private static async Task<TestBrowser> SignedInAsync(BillingSite billing, string email, string name)
    {
        await billing.Site.CreateConfirmedAsync(email, name: name);
        var browser = billing.Site.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(email)).Status);
        return browser;
    }

    /// <summary>Everything the person has with <paramref name="other"/> (their membership, subscriptions, history, payments) and on their account, as text.</summary>
    private static Task<List<string>> ElsewhereAsync(BillingSite billing, CreatorSetup other, string email) => billing.DbAsync(async db =>
    {
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var rows = new List<string> { $"user {user.DisplayName} {user.PasswordHash} {user.SecurityStamp} {user.EmailConfirmed} {user.StripeCustomerId}" };
        rows.AddRange(await db.Members.AsNoTracking().Where(m => m.UserId == user.Id && m.Creator!.Handle == other.Handle)
            .Select(m => $"member {m.CreatorId} {m.Status} {m.Tier!.Name} {m.IsComplimentary} {m.PostEmails} {m.LifetimePaidMinor} {m.UpdatedAt} {m.ImportedAt}").ToListAsync());
        rows.AddRange(await db.Subscriptions.AsNoTracking().Where(s => s.Member!.UserId == user.Id)
            .Select(s => $"subscription {s.StripeSubscriptionId} {s.Status} {s.TierId} {s.UpdatedAt}").ToListAsync());
        rows.AddRange(await db.MembershipChanges.AsNoTracking().Where(c => c.Member!.UserId == user.Id).Select(c => $"line {c.Id} {c.Kind}").ToListAsync());
        rows.AddRange(await db.Payments.AsNoTracking().Where(p => p.Member!.UserId == user.Id).Select(p => $"payment {p.StripeInvoiceId}").ToListAsync());
        return rows;
    });

    private static Task<MemberStatus> StatusAsync(BillingSite billing, CreatorSetup creator, string email) =>
        billing.DbAsync(db => db.Members.Where(m => m.Creator!.Handle == creator.Handle && m.User!.Email == email).Select(m => m.Status).SingleAsync());

    private static bool To(MimeMessage message, string address) =>
        message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase));

    private static async Task<MimeMessage> WaitForAsync(SmtpServer smtp, string address, string subject)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var message = smtp.Messages().FirstOrDefault(m => To(m, address) && m.Subject == subject);
            if (message is not null)
            {
                return message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No email \"{subject}\" to {address} within 15 s; got: {string.Join(", ", smtp.Messages().Select(m => m.Subject))}");
            await Task.Delay(50);
        }
    }

    [GeneratedRegex("name=\"token\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex(@"https?://\S+/email/leave/\S+")]
    private static partial Regex LeaveLink();

    [GeneratedRegex("data-test=\"imported\"")]
    private static partial Regex Imported();
}
