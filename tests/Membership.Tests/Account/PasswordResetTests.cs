using System.Net;
using System.Web;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Account;

public sealed class PasswordResetTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task ResetPassword_WithEmailedLink_NewPasswordWorksOldDoesNot()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        await browser.ConfirmEmailAsync(email);

        await browser.SubmitAsync("/account/forgot-password", "/account/forgot-password", new Dictionary<string, string> { ["Email"] = email });
        var link = new Uri(site.Mailbox.LinkIn(email, "Reset your password"));
        var query = HttpUtility.ParseQueryString(link.Query);
        var reset = await browser.SubmitAsync(link.PathAndQuery, "/account/reset-password", new Dictionary<string, string>
        {
            ["Email"] = query["email"]!,
            ["Code"] = query["code"]!,
            ["Password"] = "a brand new passphrase",
        });
        Assert.Equal(HttpStatusCode.Redirect, reset.Status);

        using var fresh = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await fresh.SignInAsync(email, Passwords.Good)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.SignInAsync(email, "a brand new passphrase")).Status);

        // The link is spent: the password change rotated the security stamp it was tied to.
        var again = await browser.SubmitAsync(link.PathAndQuery, "/account/reset-password", new Dictionary<string, string>
        {
            ["Email"] = query["email"]!,
            ["Code"] = query["code"]!,
            ["Password"] = "yet another passphrase",
        });
        Assert.Contains("This link has expired or was already used.", again.Text);
    }

    [Fact]
    public async Task ForgotPassword_UnknownEmail_AnswersTheSameAndTellsTheAddressItHasNoAccount()
    {
        using var browser = site.CreateBrowser();
        var member = Unique.Email("member");
        var ghost = Unique.Email("ghost");
        await browser.RegisterAsync(member);

        var known = await browser.SubmitAsync("/account/forgot-password", "/account/forgot-password", new Dictionary<string, string> { ["Email"] = member });
        var unknown = await browser.SubmitAsync("/account/forgot-password", "/account/forgot-password", new Dictionary<string, string> { ["Email"] = ghost });

        Assert.Equal(HttpStatusCode.OK, unknown.Status);
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.VisibleText(member), unknown.VisibleText(ghost));
        Assert.Contains("a link to choose a new password is on its way", unknown.Html);
        site.Mailbox.WaitFor(member, "Reset your password");
        var answer = site.Mailbox.WaitFor(ghost, "No account uses this email address");
        Assert.Contains("asked Membership for a link to choose a new password for this email address, but no account uses it", answer.TextBody);
        Assert.Equal(1, await site.EmailsToAsync(ghost));
    }
}
