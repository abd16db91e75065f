using System.Net;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Account;

public sealed class SignUpTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Theory]
    [InlineData("", "Enter your email address.")]
    [InlineData("not-an-email", "Enter a valid email address.")]
    public async Task SignUp_BadEmail_ShowsMessageAndWritesNothing(string email, string message)
    {
        using var browser = site.CreateBrowser();
        var before = await site.WithDbAsync(db => db.Users.CountAsync());

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Someone",
            ["Email"] = email,
            ["Password"] = Passwords.Good,
        });

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(message, page.Text);
        Assert.Equal(before, await site.WithDbAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task SignUp_ShortPassword_ShowsMessageAndWritesNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Someone",
            ["Email"] = email,
            ["Password"] = "short",
        });

        Assert.Contains("Use at least 10 characters.", page.Text);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        Assert.Equal(0, await site.EmailsToAsync(email));
    }

    [Fact]
    public async Task SignUp_EmailAlreadyUsed_ShowsMessageAndKeepsOneAccount()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Again",
            ["Email"] = email.ToUpperInvariant(),
            ["Password"] = Passwords.Good,
        });

        Assert.Contains("An account with this email already exists", page.Text);
        Assert.Equal(1, await site.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == email.ToUpperInvariant())));
    }

    [Fact]
    public async Task SignUp_NewAccount_SendsConfirmationAndCannotSignInUntilConfirmed()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);

        var message = site.Mailbox.WaitFor(email, "Confirm your email");
        Assert.Equal(1, await site.EmailsToAsync(email));
        Assert.Equal("Confirm your email", message.Subject);
        Assert.NotNull(message.HtmlBody);

        var before = await browser.SignInAsync(email);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Contains("Confirm your email address first", before.Text);

        await browser.ConfirmEmailAsync(email);
        var after = await browser.SignInAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, after.Status);
        var settings = await browser.GetAsync("/account/settings");
        Assert.Contains(email, settings.Html);
    }

    [Fact]
    public async Task ConfirmEmail_TamperedCode_IsRefused()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        var link = new Uri(site.Mailbox.LinkIn(email, "Confirm your email"));

        var page = await browser.GetAsync(link.PathAndQuery.Replace("code=", "code=AAAA", StringComparison.Ordinal));

        Assert.Contains("This link does not work", page.Html);
        Assert.False(await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.EmailConfirmed).SingleAsync()));
    }
}

/// <summary>Admin role assignment needs a site of its own: "first confirmed account" depends on who came before.</summary>
public sealed class AdminRoleTests
{
    private sealed class AdminEmailSite : MembershipFactory
    {
        public const string OperatorEmail = "operator@example.test";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Admin:Emails:0"] = OperatorEmail };
    }

    [Fact]
    public async Task Confirm_FirstConfirmedAccountAndConfiguredEmails_AreAdmins_OthersAreNot()
    {
        await using var site = new AdminEmailSite();
        using var browser = site.CreateBrowser();
        var squatter = Unique.Email("never-confirms");
        var first = Unique.Email("first");
        var second = Unique.Email("second");

        // Signing up first without confirming the address gives nothing.
        await browser.SignUpAsync(squatter);
        await browser.SignUpAsync(first);
        await browser.ConfirmEmailAsync(first);
        await browser.SignUpAsync(second);
        await browser.ConfirmEmailAsync(second);
        await browser.SignUpAsync(AdminEmailSite.OperatorEmail);
        await browser.ConfirmEmailAsync(AdminEmailSite.OperatorEmail);

        var admins = await site.WithDbAsync(async db =>
            await (from userRole in db.UserRoles
                   join role in db.Roles on userRole.RoleId equals role.Id
                   join user in db.Users on userRole.UserId equals user.Id
                   where role.Name == Roles.Admin
                   select user.Email).ToListAsync());
        Assert.Equal(new[] { first, AdminEmailSite.OperatorEmail }.Order(), admins.Order());
    }
}
