using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Account;

public sealed class SignUpTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task ConfirmEmail_ThenContinue_SignedIn_TheButtonWorksOnce()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email("confirm");
        await browser.SignUpAsync(email);
        var link = site.Mailbox.LinkIn(email, "Confirm your email");

        var confirmed = await browser.GetAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Your email is confirmed", confirmed.Html);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/settings")).Status); // not signed in yet
        var token = System.Text.RegularExpressions.Regex.Match(confirmed.Html, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await browser.SubmitRepeatedlyAsync(confirmed, "/account/confirm-email", "/account/magic", new Dictionary<string, string> { ["token"] = token }, 1, TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.Redirect, signedIn[0].Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/settings")).Status);
        using var other = site.CreateBrowser();
        var replay = await other.SubmitRepeatedlyAsync(await other.GetAsync(new Uri(link).PathAndQuery), "/account/confirm-email", "/account/magic",
            new Dictionary<string, string> { ["token"] = token }, 1, TimeSpan.Zero);
        Assert.NotEqual(HttpStatusCode.Redirect, replay[0].Status); // the spent token signs nobody else in
    }

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
    public async Task SignUp_AddressWithAccount_AnswersAsForANewAddressAndTellsTheOwner()
    {
        using var browser = site.CreateBrowser();
        var owner = Unique.Email("owner");
        var newcomer = Unique.Email("newcomer");
        await browser.RegisterAsync(owner);

        var taken = await SignUpAsync(browser, owner.ToUpperInvariant(), "Someone Else", "another passphrase");
        var free = await SignUpAsync(browser, newcomer, "Someone Else", "another passphrase");

        Assert.Equal(HttpStatusCode.OK, taken.Status);
        Assert.Equal(free.Status, taken.Status);
        Assert.Equal(free.VisibleText(newcomer), taken.VisibleText(owner));
        Assert.Contains("Check your email", taken.Html);

        // The owner hears of it, with the way back in; the account is untouched.
        var told = site.Mailbox.WaitFor(owner, "You already have an account");
        Assert.Contains("tried to create a Membership account with this email address", told.TextBody);
        Assert.Contains("http://localhost/account/sign-in", told.TextBody);
        Assert.Contains("http://localhost/account/forgot-password", told.TextBody);
        Assert.Empty(site.Mailbox.To(owner).Where(m => m.Subject == "Confirm your email").Skip(1));
        Assert.Equal(1, await site.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == owner.ToUpperInvariant())));
        using var fresh = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await fresh.SignInAsync(owner, "another passphrase")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.SignInAsync(owner, Passwords.Good)).Status);
    }

    [Fact]
    public async Task ResendConfirmation_FromSignInPage_SendsANewLinkThatConfirms()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        site.Mailbox.WaitFor(email, "Confirm your email");

        var refused = await browser.SignInAsync(email);
        Assert.Contains("Send the confirmation email again", refused.Html);
        var page = await browser.SubmitAsync("/account/sign-in", "/account/resend-confirmation", new Dictionary<string, string> { ["Email"] = email });

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Check your email", page.Html);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (site.Mailbox.To(email).Count(m => m.Subject == "Confirm your email") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(2, site.Mailbox.To(email).Count(m => m.Subject == "Confirm your email"));
        await browser.ConfirmEmailAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(email)).Status);
    }

    [Fact]
    public async Task ResendConfirmation_UnknownOrConfirmedAddress_AnswersAsForAnUnconfirmedOne()
    {
        using var browser = site.CreateBrowser();
        var unconfirmed = Unique.Email("unconfirmed");
        var confirmed = Unique.Email("confirmed");
        var unknown = Unique.Email("unknown");
        await browser.SignUpAsync(unconfirmed);
        await browser.RegisterAsync(confirmed);

        var pages = new Dictionary<string, Page>();
        foreach (var email in new[] { unconfirmed, confirmed, unknown })
        {
            pages[email] = await browser.SubmitAsync("/account/resend-confirmation", "/account/resend-confirmation", new Dictionary<string, string> { ["Email"] = email });
        }

        Assert.All(pages.Values, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        Assert.Equal(pages[unconfirmed].VisibleText(unconfirmed), pages[confirmed].VisibleText(confirmed));
        Assert.Equal(pages[unconfirmed].VisibleText(unconfirmed), pages[unknown].VisibleText(unknown));
        Assert.Contains("already confirmed", site.Mailbox.WaitFor(confirmed, "Your email address is already confirmed").TextBody);
        Assert.Contains("a new confirmation link for this email address, but no account uses it", site.Mailbox.WaitFor(unknown, "No account uses this email address").TextBody);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == unknown)));
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
        Assert.Contains("That email and password do not match an account.", before.Text);
        Assert.Contains("Signed up but not confirmed yet?", before.Text);

        await browser.ConfirmEmailAsync(email);
        var after = await browser.SignInAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, after.Status);
        var settings = await browser.GetAsync("/account/settings");
        Assert.Contains(email, settings.Html);
    }

    private static Task<Page> SignUpAsync(TestBrowser browser, string email, string name, string password) =>
        browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = name,
            ["Email"] = email,
            ["Password"] = password,
        });

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

/// <summary>What a form writes and the email it sends are stored together: a site whose outbox insert fails for one address.</summary>
public sealed class AccountEmailAtomicityTests
{
    [Fact]
    public async Task SignUp_ConfirmationEmailCannotBeStored_LeavesNoAccountAndTheAddressFree()
    {
        var email = Unique.Email("unlucky");
        var fault = new FailingOutboxInsert(email);
        await using var site = new MembershipFactory { TestServices = services => services.AddSingleton<IInterceptor>(fault) };
        using var browser = site.CreateBrowser();

        var failed = await SignUpAsync(browser, email);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.True(fault.Failures > 0);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        Assert.Equal(0, await site.EmailsToAsync(email));

        // Nothing half-made stands in the way: the same sign-up, once the outbox works, makes the account.
        fault.Armed = false;
        var again = await SignUpAsync(browser, email);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        await browser.ConfirmEmailAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(email)).Status);
    }

    [Fact]
    public async Task MagicLink_EmailCannotBeStored_LeavesNoToken()
    {
        var email = Unique.Email("unlucky");
        var fault = new FailingOutboxInsert(email) { Armed = false };
        await using var site = new MembershipFactory { TestServices = services => services.AddSingleton<IInterceptor>(fault) };
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(email);
        // (Confirming the address made the one-press sign-in token of the confirmation page.)
        var tokensBefore = await site.WithDbAsync(db => db.MagicLinkTokens.CountAsync());
        fault.Armed = true;

        var failed = await browser.SubmitAsync("/account/magic-link", "/account/magic-link", new Dictionary<string, string> { ["Email"] = email });

        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.True(fault.Failures > 0);
        Assert.Equal(tokensBefore, await site.WithDbAsync(db => db.MagicLinkTokens.CountAsync()));
    }

    private static Task<Page> SignUpAsync(TestBrowser browser, string email) =>
        browser.SubmitAsync("/account/sign-up", "/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Unlucky",
            ["Email"] = email,
            ["Password"] = Passwords.Good,
        });

    /// <summary>Fault seam: while <see cref="Armed"/>, a save that adds an outbox email to the address fails.</summary>
    private sealed class FailingOutboxInsert(string address) : SaveChangesInterceptor
    {
        private int _failures;

        public volatile bool Armed = true;

        public int Failures => _failures;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var adding = eventData.Context!.ChangeTracker.Entries<OutboxEmail>().Any(e => e.State == EntityState.Added && e.Entity.To == address);
            if (Armed && adding)
            {
                Interlocked.Increment(ref _failures);
                throw new DbUpdateException("The outbox insert failed (test fault).");
            }

            return ValueTask.FromResult(result);
        }
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
