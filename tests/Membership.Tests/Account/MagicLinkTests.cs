using System.Net;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Account;

public sealed class MagicLinkTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task MagicLink_KnownEmail_SignsInOnceAndConfirmsEmail()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);

        var requested = await browser.SubmitAsync("/account/magic-link", "/account/magic-link", new Dictionary<string, string> { ["Email"] = email });
        Assert.Contains("a sign-in link is on its way", requested.Html);
        var link = new Uri(site.Mailbox.LinkIn(email, "Your sign-in link"));

        // Opening the link (as a mail scanner would) spends nothing and signs nobody in.
        var landing = await browser.GetAsync(link.PathAndQuery);
        Assert.Contains("Sign me in", landing.Html);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/settings")).Status);

        var token = System.Web.HttpUtility.ParseQueryString(link.Query)["token"]!;
        var signedIn = await browser.SubmitAsync(link.PathAndQuery, "/account/magic", new Dictionary<string, string> { ["token"] = token });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/settings")).Status);
        Assert.True(await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.EmailConfirmed).SingleAsync()));

        using var other = site.CreateBrowser();
        var replay = await other.SubmitAsync(link.PathAndQuery, "/account/magic", new Dictionary<string, string> { ["token"] = token });
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Contains("This sign-in link has expired or was already used.", replay.Text);
        Assert.Equal(HttpStatusCode.Redirect, (await other.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task MagicLink_UnknownEmail_AnswersTheSameAndTellsTheAddressItHasNoAccount()
    {
        using var browser = site.CreateBrowser();
        var member = Unique.Email("member");
        var nobody = Unique.Email("nobody");
        await browser.RegisterAsync(member);

        var known = await browser.SubmitAsync("/account/magic-link", "/account/magic-link", new Dictionary<string, string> { ["Email"] = member });
        var unknown = await browser.SubmitAsync("/account/magic-link", "/account/magic-link", new Dictionary<string, string> { ["Email"] = nobody });

        Assert.Equal(HttpStatusCode.OK, unknown.Status);
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.VisibleText(member), unknown.VisibleText(nobody));
        Assert.Contains("a sign-in link is on its way", unknown.Html);
        site.Mailbox.WaitFor(member, "Your sign-in link");
        var answer = site.Mailbox.WaitFor(nobody, "No account uses this email address");
        Assert.Contains("asked Membership for a sign-in link for this email address, but no account uses it", answer.TextBody);
        Assert.Contains("http://localhost/account/sign-up", answer.TextBody);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == nobody)));
    }

    [Fact]
    public async Task MagicLink_ForgedToken_IsRefused()
    {
        using var browser = site.CreateBrowser();

        var page = await browser.SubmitAsync("/account/magic?token=forged", "/account/magic", new Dictionary<string, string> { ["token"] = "forged-token-value" });

        Assert.Contains("This sign-in link has expired or was already used.", page.Text);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/settings")).Status);
    }
}
