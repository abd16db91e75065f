using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>
/// Sessions and passkeys in Chromium: a passkey added in settings (Chromium's virtual
/// authenticator, through the DevTools protocol), used to sign in, and removed; and "Sign out
/// everywhere" from one browser sending another to the sign-in page.
/// </summary>
public sealed class AccountJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    [Fact]
    public Task Passkey_AddSignOutSignInWithItRemove_PasswordStillWorks() => RunAsync(async session =>
    {
        // WebAuthn needs a domain: the site is opened at localhost (the same server as 127.0.0.1).
        var local = Site.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var person = Person.New("passkey");
        var page = await session.NewPageAsync("member");
        await AddVirtualAuthenticatorAsync(page);

        await page.GotoAsync($"{local}/account/sign-up");
        await page.Locator("[name='DisplayName']").FillAsync(person.Name);
        await page.Locator("[name='Email']").FillAsync(person.Email);
        await page.Locator("[name='Password']").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up", Exact = true }).ClickAsync();
        var link = await Site.WaitForEmailLinkAsync(person.Email, "Confirm your email");
        await page.GotoAsync(link.Replace(Site.BaseUrl, local, StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your email is confirmed" })).ToBeVisibleAsync();
        await PasswordSignInAsync(page, local, person);

        await page.GotoAsync($"{local}/account/settings");
        await Expect(page.Locator("[data-test=no-passkeys]")).ToHaveTextAsync("You have no passkeys yet.");
        await page.Locator("#passkey-name").FillAsync("Test laptop");
        await page.Locator("[data-test=add-passkey]").ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("Your passkey is added. You can sign in with it now.");
        await Expect(page.Locator("[data-test=passkey]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-test=passkey]")).ToContainTextAsync("Test laptop");
        await Expect(page.Locator("[data-test=passkey]")).ToContainTextAsync("Added " + DateTime.UtcNow.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("[data-test=session][data-current=true]")).ToContainTextAsync("Chrome on Linux");
        await Site.ScreenshotAsync(page, "account-settings");

        // Signed out, then in again with the passkey alone.
        await page.Locator(".site-header").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GotoAsync($"{local}/account/sign-in?returnUrl=%2Faccount%2Fsettings");
        await page.Locator("[data-test=passkey-sign-in]").ClickAsync();
        await Expect(page).ToHaveURLAsync($"{local}/account/settings");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Account settings" })).ToBeVisibleAsync();
        await Expect(page.Locator("main")).ToContainTextAsync(person.Email);
        // The passkey's sign-in is a session like any other: listed, and marked as this browser.
        await Expect(page.Locator("[data-test=session][data-current=true]")).ToHaveCountAsync(1);

        // Removed: it no longer signs in; the password still does.
        await page.Locator("[data-test=passkey]").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToHaveTextAsync("The passkey is removed. It no longer signs you in.");
        await Expect(page.Locator("[data-test=no-passkeys]")).ToBeVisibleAsync();
        await page.Locator(".site-header").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync($"{local}/account/sign-in");
        await page.Locator("[data-test=passkey-sign-in]").ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("That passkey did not sign you in.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await PasswordSignInAsync(page, local, person);
    });

    [Fact]
    public Task SignOutEverywhere_FromOneBrowser_TheOtherIsSentToSignIn() => RunAsync(async session =>
    {
        var person = Person.New("twobrowsers");
        var laptop = await session.NewPageAsync("laptop");
        await laptop.SignUpAndConfirmAsync(Site, person);
        await laptop.SignInAsync(person);
        var phone = await session.NewPageAsync("phone");
        await phone.SignInAsync(person);

        await laptop.GotoAsync("/account/settings");
        await Expect(laptop.Locator("[data-test=session]")).ToHaveCountAsync(2);
        await Expect(laptop.Locator("[data-test=session][data-current=true]")).ToContainTextAsync("This browser");
        await Expect(laptop.Locator("[data-test=sign-out-others]")).ToBeVisibleAsync();
        await Site.ScreenshotAsync(laptop, "account-settings-two-sessions");
        await laptop.Locator("[data-test=sign-out-everywhere]").ClickAsync();
        await Expect(laptop).ToHaveURLAsync($"{Site.BaseUrl}/account/sign-in");
        await Expect(laptop.Locator(".notice")).ToHaveTextAsync("You are signed out everywhere.");

        await phone.GotoAsync("/account/settings");
        await Expect(phone).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/sign-in\\?ReturnUrl=%2Faccount%2Fsettings$"));
        await Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(phone.Locator(".site-header").GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);
    });

    private static async Task PasswordSignInAsync(IPage page, string local, Person person)
    {
        await page.GotoAsync($"{local}/account/sign-in");
        await page.Locator("[name='Email']").FillAsync(person.Email);
        await page.Locator("[name='Password']").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.Locator(".site-header").GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    /// <summary>Chromium's virtual authenticator (a platform one that keeps passkeys and verifies the user), for this page.</summary>
    private static async Task AddVirtualAuthenticatorAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        Assert.True(added is JsonElement { ValueKind: JsonValueKind.Object } answer && answer.TryGetProperty("authenticatorId", out _), "No virtual authenticator was added");
    }
}
