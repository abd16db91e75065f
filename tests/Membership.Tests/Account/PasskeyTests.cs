using System.Net;
using System.Text.Json;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Account;

/// <summary>
/// Passkeys through the site's forms. Making and using a real passkey needs a browser's
/// authenticator: that is the browser journey (PasskeyJourneyTests); these cover the rest.
/// </summary>
public sealed class PasskeyTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task CreationOptions_SignedIn_AreForThisAccountOnThisSite()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email, name: "Options Person");

        var form = await browser.FormAsync("/account/settings", "/account/settings/passkeys", []);
        var answer = await browser.PostAsync("/account/settings/passkeys/creation-options", form.Where(f => f.Key == "__RequestVerificationToken"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        using var options = JsonDocument.Parse(answer.Html);
        Assert.Equal("localhost", options.RootElement.GetProperty("rp").GetProperty("id").GetString());
        Assert.Equal(email, options.RootElement.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("Options Person", options.RootElement.GetProperty("user").GetProperty("displayName").GetString());
        Assert.False(string.IsNullOrEmpty(options.RootElement.GetProperty("challenge").GetString()));
    }

    [Fact]
    public async Task CreationOptions_Anonymous_AreRefused()
    {
        using var browser = site.CreateBrowser();
        var form = await browser.FormAsync("/account/sign-in", "/account/passkey-sign-in", []);

        var answer = await browser.PostAsync("/account/settings/passkeys/creation-options", form);

        Assert.Equal(HttpStatusCode.Redirect, answer.Status);
        Assert.Contains("/account/sign-in", answer.Location);
    }

    [Fact]
    public async Task RequestOptions_Anonymous_AskForAnyPasskeyOfThisSite()
    {
        using var browser = site.CreateBrowser();
        var form = await browser.FormAsync("/account/sign-in", "/account/passkey-sign-in", []);

        var answer = await browser.PostAsync("/account/passkeys/request-options", form.Where(f => f.Key == "__RequestVerificationToken"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        using var options = JsonDocument.Parse(answer.Html);
        Assert.Equal("localhost", options.RootElement.GetProperty("rpId").GetString());
        Assert.False(string.IsNullOrEmpty(options.RootElement.GetProperty("challenge").GetString()));
    }

    [Fact]
    public async Task PasskeySignIn_ForgedCredential_SignsNobodyInAndSaysSo()
    {
        using var browser = site.CreateBrowser();
        var withoutOptions = await browser.SubmitAsync("/account/sign-in", "/account/passkey-sign-in", new Dictionary<string, string>
        {
            ["credential"] = """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}""",
        });
        // After asking for options, as the page's script does: a ceremony is underway.
        var form = await browser.FormAsync("/account/sign-in", "/account/passkey-sign-in", []);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync("/account/passkeys/request-options", form)).Status);
        var page = await browser.SubmitAsync("/account/sign-in", "/account/passkey-sign-in", new Dictionary<string, string>
        {
            ["credential"] = """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}""",
            ["returnUrl"] = "/account/settings",
        });
        var empty = await browser.SubmitAsync("/account/sign-in", "/account/passkey-sign-in", new Dictionary<string, string> { ["credential"] = "" });

        Assert.Equal(HttpStatusCode.OK, withoutOptions.Status);
        Assert.Contains("That passkey did not sign you in.", withoutOptions.Text);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("That passkey did not sign you in.", page.Text);
        Assert.Contains("That passkey did not sign you in.", empty.Text);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/settings")).Status);
    }

    [Fact]
    public async Task AddPasskey_ForgedCredential_IsRefusedAndStoresNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);

        var withoutOptions = await browser.SubmitAsync("/account/settings", "/account/settings/passkeys", new Dictionary<string, string>
        {
            ["name"] = "Forged",
            ["credential"] = """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}""",
        });
        Assert.Equal(HttpStatusCode.Redirect, withoutOptions.Status);
        var form = await browser.FormAsync("/account/settings", "/account/settings/passkeys", []);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync("/account/settings/passkeys/creation-options", form)).Status);
        var added = await browser.SubmitAsync("/account/settings", "/account/settings/passkeys", new Dictionary<string, string>
        {
            ["name"] = "Forged again",
            ["credential"] = """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}""",
        });

        Assert.Equal(HttpStatusCode.Redirect, added.Status);
        Assert.Contains("The passkey was not added.", (await browser.GetAsync("/account/settings")).Text);
        Assert.False(await site.WithDbAsync(db => db.UserPasskeys.AnyAsync(p => db.Users.Any(u => u.Id == p.UserId && u.Email == email))));
    }

    [Fact]
    public async Task Settings_ListsPasskeys_AndRemovesOnlyYourOwn()
    {
        using var owner = site.CreateBrowser();
        var ownerEmail = Unique.Email("owner");
        await owner.RegisterAsync(ownerEmail);
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        var credentialId = await GivePasskeyAsync(ownerEmail, "Work laptop");
        var id = WebEncoders.Base64UrlEncode(credentialId);

        var settings = await owner.GetAsync("/account/settings");
        Assert.Contains("Work laptop", settings.Text);
        using (var export = JsonDocument.Parse((await owner.GetAsync("/account/data.json")).Html))
        {
            Assert.Equal("Work laptop", Assert.Single(export.RootElement.GetProperty("passkeys").EnumerateArray()).GetProperty("name").GetString());
        }

        Assert.Contains($"value=\"{id}\"", settings.Html);

        var someoneElses = await other.SubmitAsync("/account/settings", "/account/settings/passkeys/remove", new Dictionary<string, string> { ["id"] = id });
        var unknown = await owner.SubmitAsync("/account/settings", "/account/settings/passkeys/remove", new Dictionary<string, string> { ["id"] = WebEncoders.Base64UrlEncode([1, 2, 3]) });
        var garbage = await owner.SubmitAsync("/account/settings", "/account/settings/passkeys/remove", new Dictionary<string, string> { ["id"] = "not base64 !" });
        Assert.Equal(HttpStatusCode.NotFound, someoneElses.Status);
        Assert.Contains("You have no passkey with this id", someoneElses.Text);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, garbage.Status);
        Assert.True(await site.WithDbAsync(db => db.UserPasskeys.AnyAsync(p => p.CredentialId == credentialId)));

        var removed = await owner.SubmitAsync("/account/settings", "/account/settings/passkeys/remove", new Dictionary<string, string> { ["id"] = id });
        Assert.Equal(HttpStatusCode.Redirect, removed.Status);
        Assert.False(await site.WithDbAsync(db => db.UserPasskeys.AnyAsync(p => p.CredentialId == credentialId)));
        Assert.Contains("You have no passkeys yet.", (await owner.GetAsync("/account/settings")).Text);
    }

    [Fact]
    public async Task RemovePasskey_WithoutAntiforgeryToken_Is400AndKeepsIt()
    {
        using var owner = site.CreateBrowser();
        var email = Unique.Email();
        await owner.RegisterAsync(email);
        var credentialId = await GivePasskeyAsync(email, "Phone");

        var forged = await owner.PostAsync("/account/settings/passkeys/remove", new Dictionary<string, string> { ["id"] = WebEncoders.Base64UrlEncode(credentialId) });

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.True(await site.WithDbAsync(db => db.UserPasskeys.AnyAsync(p => p.CredentialId == credentialId)));
    }

    [Fact]
    public async Task DeleteAccount_RemovesItsPasskeysAndSessions()
    {
        using var owner = site.CreateBrowser();
        var email = Unique.Email();
        await owner.RegisterAsync(email);
        var userId = await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var credentialId = await GivePasskeyAsync(email, "Phone");

        var deleted = await owner.SubmitAsync("/account/settings", "/account/delete", new Dictionary<string, string> { ["confirm"] = "DELETE" });

        Assert.Equal(HttpStatusCode.Redirect, deleted.Status);
        Assert.False(await site.WithDbAsync(db => db.UserPasskeys.AnyAsync(p => p.CredentialId == credentialId)));
        Assert.False(await site.WithDbAsync(db => db.UserSessions.AnyAsync(s => s.UserId == userId)));
    }

    /// <summary>A passkey stored as Identity stores one after a browser made it (the public key is not checked here).</summary>
    private async Task<byte[]> GivePasskeyAsync(string email, string name)
    {
        var credentialId = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var scope = site.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException("No such user.");
        var passkey = new UserPasskeyInfo(credentialId, [1, 2, 3], DateTimeOffset.UtcNow, 0, ["internal"], true, false, false, [4], [5]) { Name = name };
        Assert.True((await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded);
        return credentialId;
    }
}
