using System.Net;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Account;

public sealed class SignInTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task SignIn_WrongPassword_ShowsMessageAndStaysSignedOut()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        await browser.ConfirmEmailAsync(email);

        var page = await browser.SignInAsync(email, "not the password");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("That email and password do not match an account.", page.Text);
        var settings = await browser.GetAsync("/account/settings");
        Assert.Equal(HttpStatusCode.Redirect, settings.Status);
        Assert.StartsWith("http://localhost/account/sign-in", settings.Location);
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksAccountEvenForTheRightPassword()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        await browser.ConfirmEmailAsync(email);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await browser.SignInAsync(email, "wrong password " + attempt);
        }

        var page = await browser.SignInAsync(email, Passwords.Good);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("That email and password do not match an account.", page.Text);
        Assert.Contains("After 5 wrong passwords in a row, password sign-in pauses for 15 minutes", page.Text);
        var lockoutEnd = await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.LockoutEnd).SingleAsync());
        Assert.NotNull(lockoutEnd);
        Assert.True(lockoutEnd > DateTimeOffset.UtcNow.AddMinutes(14));
    }

    [Fact]
    public async Task SignIn_UnknownUnconfirmedOrLockedAddress_AnswersAsAWrongPassword()
    {
        using var browser = site.CreateBrowser();
        var wrongPassword = Unique.Email("wrong");
        var unknown = Unique.Email("unknown");
        var unconfirmed = Unique.Email("unconfirmed");
        var locked = Unique.Email("locked");
        await browser.RegisterAsync(wrongPassword);
        await browser.SignUpAsync(unconfirmed);
        await browser.RegisterAsync(locked);
        using (var attacker = site.CreateBrowser())
        {
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                await attacker.SignInAsync(locked, "wrong password " + attempt);
            }
        }

        using var visitor = site.CreateBrowser();
        var expected = await visitor.SignInAsync(wrongPassword, "not the password");
        // The right password of an unconfirmed or a locked account says no more than a wrong one.
        var answers = new Dictionary<string, Page>
        {
            [unknown] = await visitor.SignInAsync(unknown, Passwords.Good),
            [unconfirmed] = await visitor.SignInAsync(unconfirmed, Passwords.Good),
            [locked] = await visitor.SignInAsync(locked, Passwords.Good),
        };

        Assert.Equal(HttpStatusCode.OK, expected.Status);
        Assert.Contains("That email and password do not match an account.", expected.Text);
        foreach (var (email, page) in answers)
        {
            Assert.Equal(expected.Status, page.Status);
            Assert.Equal(expected.VisibleText(wrongPassword), page.VisibleText(email));
        }

        Assert.Equal(HttpStatusCode.Redirect, (await visitor.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_IsRejectedAndKeepsSession()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());

        var forged = await browser.PostAsync("/account/sign-out", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task SignOut_WithToken_EndsSession()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());

        var page = await browser.SubmitAsync("/account/settings", "/account/sign-out", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task SignIn_ReturnUrlToAnotherSite_GoesHomeInstead()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        await browser.ConfirmEmailAsync(email);

        var page = await browser.SubmitAsync("/account/sign-in", "/account/sign-in", new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = Passwords.Good,
            ["ReturnUrl"] = "https://evil.example/steal",
        });

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal("/", page.Location);
    }
}
