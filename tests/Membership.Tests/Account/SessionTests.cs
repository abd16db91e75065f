using System.Net;
using System.Text.RegularExpressions;
using System.Web;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Account;

/// <summary>Sign-ins kept in the database: signing out ends them, settings lists and ends them.</summary>
public sealed partial class SessionTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task SignOut_CopiedCookie_NoLongerSignsIn()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);
        var cookie = AuthCookie(await browser.SignInAsync(email));
        using var thief = CookieClient(site, cookie);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/account/settings")).StatusCode);

        var signedOut = await browser.SubmitAsync("/account/settings", "/account/sign-out", []);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.Status);

        var after = await thief.GetAsync("/account/settings");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/account/sign-in", after.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Settings_ListsEachSessionWithItsDevice_AndMarksThisOne()
    {
        var email = Unique.Email();
        using var phone = site.CreateBrowser();
        phone.Client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1");
        await phone.RegisterAsync(email);
        using var laptop = site.CreateBrowser();
        laptop.Client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0");
        await laptop.SignInAsync(email);

        var page = await laptop.GetAsync("/account/settings");

        Assert.Contains("Your sessions", page.Text);
        var sessions = SessionItems(page.Html);
        Assert.Equal(2, sessions.Count);
        Assert.Contains("Firefox on Windows", sessions[0]);
        Assert.Contains("This browser", sessions[0]);
        Assert.Contains("Safari on iPhone", sessions[1]);
        Assert.DoesNotContain("This browser", sessions[1]);
    }

    [Fact]
    public async Task EndSession_OneOfThree_EndsOnlyThatOne()
    {
        var email = Unique.Email();
        using var first = site.CreateBrowser();
        await first.RegisterAsync(email);
        using var second = site.CreateBrowser();
        await second.SignInAsync(email);
        using var third = site.CreateBrowser();
        await third.SignInAsync(email);
        var secondId = await CurrentSessionIdAsync(second);

        var ended = await first.SubmitAsync("/account/settings", $"/account/settings/sessions/{secondId}/sign-out", []);

        Assert.Equal(HttpStatusCode.Redirect, ended.Status);
        Assert.False(await SignedInAsync(second));
        Assert.True(await SignedInAsync(first));
        Assert.True(await SignedInAsync(third));
        Assert.Equal(2, await site.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == email)));
    }

    [Fact]
    public async Task EndSession_ThisOne_SignsOutHereOnly()
    {
        var email = Unique.Email();
        using var here = site.CreateBrowser();
        await here.RegisterAsync(email);
        using var elsewhere = site.CreateBrowser();
        await elsewhere.SignInAsync(email);
        var hereId = await CurrentSessionIdAsync(here);

        var ended = await here.SubmitAsync("/account/settings", $"/account/settings/sessions/{hereId}/sign-out", []);

        Assert.Equal(HttpStatusCode.Redirect, ended.Status);
        Assert.False(await SignedInAsync(here));
        Assert.True(await SignedInAsync(elsewhere));
        Assert.False(await site.WithDbAsync(db => db.UserSessions.AnyAsync(s => s.Id == hereId)));
    }

    [Fact]
    public async Task SignIn_AsSomeoneElseOnASignedInBrowser_TheSessionIsTheirs()
    {
        var first = Unique.Email("first");
        var second = Unique.Email("second");
        using var shared = site.CreateBrowser();
        await shared.RegisterAsync(first);
        using var other = site.CreateBrowser();
        await other.RegisterAsync(second);

        Assert.Equal(HttpStatusCode.Redirect, (await shared.SignInAsync(second)).Status);

        var settings = await shared.GetAsync("/account/settings");
        Assert.Contains(second, settings.Text);
        Assert.Equal(0, await site.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == first)));
        Assert.Equal(2, await site.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == second)));
    }

    [Fact]
    public async Task EndSession_SomeoneElsesOrUnknown_Is404AndEndsNothing()
    {
        using var victim = site.CreateBrowser();
        await victim.RegisterAsync(Unique.Email("victim"));
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        var victimSession = await CurrentSessionIdAsync(victim);

        var someoneElses = await other.SubmitAsync("/account/settings", $"/account/settings/sessions/{victimSession}/sign-out", []);
        var unknown = await other.SubmitAsync("/account/settings", $"/account/settings/sessions/{Guid.NewGuid()}/sign-out", []);
        var notAnId = await other.SubmitAsync("/account/settings", "/account/settings/sessions/not-an-id/sign-out", []);

        Assert.Equal(HttpStatusCode.NotFound, someoneElses.Status);
        Assert.Contains("You have no session with this id", someoneElses.Text);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, notAnId.Status);
        Assert.True(await SignedInAsync(victim));
        Assert.True(await SignedInAsync(other));
    }

    [Fact]
    public async Task EndSession_WithoutAntiforgeryToken_Is400AndEndsNothing()
    {
        var email = Unique.Email();
        using var first = site.CreateBrowser();
        await first.RegisterAsync(email);
        using var second = site.CreateBrowser();
        await second.SignInAsync(email);

        var forged = await first.PostAsync($"/account/settings/sessions/{await CurrentSessionIdAsync(second)}/sign-out", []);
        var everywhere = await first.PostAsync("/account/settings/sessions/sign-out-everywhere", []);

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Equal(HttpStatusCode.BadRequest, everywhere.Status);
        Assert.True(await SignedInAsync(first));
        Assert.True(await SignedInAsync(second));
    }

    [Fact]
    public async Task SignOutEverywhereElse_KeepsThisSession()
    {
        var email = Unique.Email();
        using var here = site.CreateBrowser();
        await here.RegisterAsync(email);
        using var elsewhere = site.CreateBrowser();
        await elsewhere.SignInAsync(email);
        using var stranger = site.CreateBrowser();
        await stranger.RegisterAsync(Unique.Email("stranger"));

        var ended = await here.SubmitAsync("/account/settings", "/account/settings/sessions/sign-out-others", []);

        Assert.Equal(HttpStatusCode.Redirect, ended.Status);
        var settings = await here.GetAsync("/account/settings");
        Assert.Contains("You are signed out everywhere else.", settings.Text);
        Assert.Single(SessionItems(settings.Html));
        Assert.False(await SignedInAsync(elsewhere));
        Assert.True(await SignedInAsync(stranger));
    }

    [Fact]
    public async Task SignOutEverywhere_EndsEverySessionIncludingThisOne()
    {
        var email = Unique.Email();
        using var here = site.CreateBrowser();
        await here.RegisterAsync(email);
        using var elsewhere = site.CreateBrowser();
        await elsewhere.SignInAsync(email);

        var ended = await here.SubmitAsync("/account/settings", "/account/settings/sessions/sign-out-everywhere", []);

        Assert.Equal(HttpStatusCode.Redirect, ended.Status);
        Assert.Equal("/account/sign-in", ended.Location);
        Assert.False(await SignedInAsync(here));
        Assert.False(await SignedInAsync(elsewhere));
        Assert.Equal(0, await site.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == email)));
    }

    [Fact]
    public async Task ChangePassword_EndsOtherSessions_KeepsThisOne()
    {
        var email = Unique.Email();
        using var here = site.CreateBrowser();
        await here.RegisterAsync(email);
        using var elsewhere = site.CreateBrowser();
        await elsewhere.SignInAsync(email);
        var hereId = await CurrentSessionIdAsync(here);

        var changed = await here.SubmitAsync("/account/settings", "/account/settings/password", new Dictionary<string, string>
        {
            ["Password.CurrentPassword"] = Passwords.Good,
            ["Password.NewPassword"] = "another good passphrase",
        });

        Assert.Equal(HttpStatusCode.Redirect, changed.Status);
        Assert.False(await SignedInAsync(elsewhere));
        Assert.True(await SignedInAsync(here));
        Assert.Equal(hereId, await CurrentSessionIdAsync(here));
        // The session kept carries the new security stamp: its next stamp check keeps it signed in.
        var stamp = await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.SecurityStamp).SingleAsync());
        var ticket = await TicketOfAsync(hereId);
        Assert.Equal(stamp, ticket.Principal.FindFirst("AspNet.Identity.SecurityStamp")?.Value);
    }

    [Fact]
    public async Task ResetPassword_EndsEverySession()
    {
        var email = Unique.Email();
        using var signedIn = site.CreateBrowser();
        await signedIn.RegisterAsync(email);
        using var another = site.CreateBrowser();
        await another.SignInAsync(email);

        using var resetter = site.CreateBrowser();
        await resetter.SubmitAsync("/account/forgot-password", "/account/forgot-password", new Dictionary<string, string> { ["Email"] = email });
        var link = new Uri(site.Mailbox.LinkIn(email, "Reset your password"));
        var query = HttpUtility.ParseQueryString(link.Query);
        var reset = await resetter.SubmitAsync(link.PathAndQuery, "/account/reset-password", new Dictionary<string, string>
        {
            ["Email"] = query["email"]!,
            ["Code"] = query["code"]!,
            ["Password"] = "a brand new passphrase",
        });

        Assert.Equal(HttpStatusCode.Redirect, reset.Status);
        Assert.False(await SignedInAsync(signedIn));
        Assert.False(await SignedInAsync(another));
        Assert.Equal(0, await site.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == email)));
    }

    [Fact]
    public async Task DataExport_ListsYourSessionsWithTheirDevices()
    {
        using var browser = site.CreateBrowser();
        browser.Client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15");
        await browser.RegisterAsync(Unique.Email());

        var download = await browser.GetAsync("/account/data.json");

        using var json = System.Text.Json.JsonDocument.Parse(download.Html);
        var session = Assert.Single(json.RootElement.GetProperty("sessions").EnumerateArray());
        Assert.Equal("Safari on macOS", session.GetProperty("device").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("passkeys").GetArrayLength());
    }

    [Fact]
    public async Task Session_TicketAtRest_IsProtectedAndOnlyTheKeysHashIsStored()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);
        var cookie = AuthCookie(await browser.SignInAsync(email));
        var sessionId = await CurrentSessionIdAsync(browser);

        var row = await site.WithDbAsync(db => db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == sessionId));

        Assert.DoesNotContain(email, System.Text.Encoding.UTF8.GetString(row.Ticket), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(row.KeyHash, cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(64, row.KeyHash.Length);
    }

    [Fact]
    public async Task SessionCleanup_DeletesExpiredSessionsOnly_AndAnExpiredOneSignsNoOneIn()
    {
        var email = Unique.Email();
        using var stale = site.CreateBrowser();
        await stale.RegisterAsync(email);
        using var live = site.CreateBrowser();
        await live.SignInAsync(email);
        var staleId = await CurrentSessionIdAsync(stale);
        var liveId = await CurrentSessionIdAsync(live);
        await site.WithDbAsync(db => db.UserSessions.Where(s => s.Id == staleId).ExecuteUpdateAsync(set => set.SetProperty(s => s.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));
        Assert.False(await SignedInAsync(stale));

        await using var scope = site.Services.CreateAsyncScope();
        var deleted = await scope.ServiceProvider.GetRequiredService<SessionCleanup>().RunAsync(CancellationToken.None);

        Assert.True(deleted >= 1);
        Assert.False(await site.WithDbAsync(db => db.UserSessions.AnyAsync(s => s.Id == staleId)));
        Assert.True(await site.WithDbAsync(db => db.UserSessions.AnyAsync(s => s.Id == liveId)));
        Assert.True(await SignedInAsync(live));
    }

    [Fact]
    public async Task SecondNode_SameDatabase_AcceptsTheSession_AndSignOutThereEndsItHere()
    {
        await using var first = new MembershipFactory();
        await using var second = new MembershipFactory(first.Database);
        using var browser = first.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);
        var cookie = AuthCookie(await browser.SignInAsync(email));
        using var onSecond = CookieClient(second, cookie);
        using var onFirst = CookieClient(first, cookie);

        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/account/settings")).StatusCode);

        // Signed out on the second node (the same cookie, as a load balancer would send it there).
        using var secondBrowser = second.CreateBrowser();
        secondBrowser.Client.DefaultRequestHeaders.Add("Cookie", $"membership.auth={cookie}");
        var signedOut = await secondBrowser.SubmitAsync("/account/settings", "/account/sign-out", []);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.Status);

        Assert.Equal(HttpStatusCode.Redirect, (await onFirst.GetAsync("/account/settings")).StatusCode);
        Assert.Equal(0, await first.WithDbAsync(db => db.UserSessions.CountAsync(s => s.User!.Email == email)));
    }

    [Fact]
    public async Task SlidingExpiration_UseExtendsTheSession_IdleEndsIt_LastSeenIsThrottled()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var clocked = new MembershipFactory { Clock = clock };
        var email = Unique.Email();
        using var used = clocked.CreateBrowser();
        await used.RegisterAsync(email);
        using var idle = clocked.CreateBrowser();
        await idle.SignInAsync(email);
        var usedId = await SessionIdOnAsync(clocked, used);
        var signedInAt = await clocked.WithDbAsync(db => db.UserSessions.Where(s => s.Id == usedId).Select(s => s.LastSeenAt).SingleAsync());

        // Within the throttle: no write. Past it: last seen moves.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await used.GetAsync("/account/settings")).Status);
        Assert.Equal(signedInAt, await clocked.WithDbAsync(db => db.UserSessions.Where(s => s.Id == usedId).Select(s => s.LastSeenAt).SingleAsync()));
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await used.GetAsync("/account/settings")).Status);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, await clocked.WithDbAsync(db => db.UserSessions.Where(s => s.Id == usedId).Select(s => s.LastSeenAt).SingleAsync()), TimeSpan.FromSeconds(1));

        // Twenty days on, a visit slides the 30 days forward; twenty more, past the first expiry, it still works.
        clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(HttpStatusCode.OK, (await used.GetAsync("/account/settings")).Status);
        var expiresAt = await clocked.WithDbAsync(db => db.UserSessions.Where(s => s.Id == usedId).Select(s => s.ExpiresAt).SingleAsync());
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddDays(30), expiresAt, TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromDays(20));
        Assert.Equal(HttpStatusCode.OK, (await used.GetAsync("/account/settings")).Status);

        // The browser not used for 40 days is signed out.
        Assert.Equal(HttpStatusCode.Redirect, (await idle.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task CookieWithoutSession_MadeBeforeSessionsWereStored_IsRefused()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);
        var ticket = await TicketOfAsync(await CurrentSessionIdAsync(browser));
        // The cookie as the site wrote it before: the whole ticket, protected by the cookie's own format.
        var options = site.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>>()
            .Get(Microsoft.AspNetCore.Identity.IdentityConstants.ApplicationScheme);
        var oldCookie = options.TicketDataFormat.Protect(ticket);
        using var old = CookieClient(site, oldCookie);

        var page = await old.GetAsync("/account/settings");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/sign-in", page.Headers.Location?.OriginalString);
    }

    private Task<Guid> CurrentSessionIdAsync(TestBrowser browser) => SessionIdOnAsync(site, browser);

    /// <summary>The id of the session marked "This browser" on the settings page.</summary>
    private static async Task<Guid> SessionIdOnAsync(MembershipFactory host, TestBrowser browser)
    {
        var page = await browser.GetAsync("/account/settings");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var current = Assert.Single(SessionItems(page.Html), item => item.Contains("data-current=\"true\""));
        return Guid.Parse(SessionAction().Match(current).Groups[1].Value);
    }

    private async Task<Microsoft.AspNetCore.Authentication.AuthenticationTicket> TicketOfAsync(Guid sessionId)
    {
        var row = await site.WithDbAsync(db => db.UserSessions.AsNoTracking().SingleAsync(s => s.Id == sessionId));
        var protector = site.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().CreateProtector("Membership.Sessions.Ticket.v1");
        return Microsoft.AspNetCore.Authentication.TicketSerializer.Default.Deserialize(protector.Unprotect(row.Ticket))!;
    }

    private static async Task<bool> SignedInAsync(TestBrowser browser)
    {
        var page = await browser.GetAsync("/account/settings");
        return page.Status switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.Redirect when page.Location!.Contains("/account/sign-in") => false,
            _ => throw new InvalidOperationException($"Settings answered {(int)page.Status}"),
        };
    }

    private static List<string> SessionItems(string html) =>
        SessionItem().Matches(html).Select(m => m.Value).ToList();

    private static string AuthCookie(Page signIn)
    {
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        var header = Assert.Single(signIn.Response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("membership.auth=", StringComparison.Ordinal));
        return header["membership.auth=".Length..header.IndexOf(';')];
    }

    /// <summary>A client that sends only this cookie, as someone who copied it would.</summary>
    private static HttpClient CookieClient(MembershipFactory host, string cookie)
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", $"membership.auth={cookie}");
        return client;
    }

    [GeneratedRegex("<li data-test=\"session\".*?</li>", RegexOptions.Singleline)]
    private static partial Regex SessionItem();

    [GeneratedRegex("action=\"/account/settings/sessions/([0-9a-f-]{36})/sign-out\"")]
    private static partial Regex SessionAction();
}
