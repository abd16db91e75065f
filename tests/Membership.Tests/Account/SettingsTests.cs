using System.Net;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Account;

public sealed class SettingsTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task Settings_ChangeNameAndPassword_Persist()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email);

        var renamed = await browser.SubmitAsync("/account/settings", "/account/settings/profile", new Dictionary<string, string> { ["Profile.DisplayName"] = "New Name" });
        Assert.Equal(HttpStatusCode.Redirect, renamed.Status);
        Assert.Equal("New Name", await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.DisplayName).SingleAsync()));

        var wrongCurrent = await browser.SubmitAsync("/account/settings", "/account/settings/password", new Dictionary<string, string>
        {
            ["Password.CurrentPassword"] = "not my password",
            ["Password.NewPassword"] = "another good passphrase",
        });
        Assert.Contains("Your current password is not right.", wrongCurrent.Text);

        var changed = await browser.SubmitAsync("/account/settings", "/account/settings/password", new Dictionary<string, string>
        {
            ["Password.CurrentPassword"] = Passwords.Good,
            ["Password.NewPassword"] = "another good passphrase",
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.Status);
        using var fresh = site.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.SignInAsync(email, "another good passphrase")).Status);
    }

    [Fact]
    public async Task Settings_EmptyName_ShowsMessageAndKeepsOldName()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.RegisterAsync(email, name: "Kept Name");

        var page = await browser.SubmitAsync("/account/settings", "/account/settings/profile", new Dictionary<string, string> { ["Profile.DisplayName"] = "" });

        Assert.Contains("Enter your name.", page.Text);
        Assert.Equal("Kept Name", await site.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.DisplayName).SingleAsync()));
    }

    [Fact]
    public async Task Settings_Anonymous_RedirectsToSignIn()
    {
        using var browser = site.CreateBrowser();

        var page = await browser.GetAsync("/account/settings");

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Contains("/account/sign-in", page.Location);
    }
}
