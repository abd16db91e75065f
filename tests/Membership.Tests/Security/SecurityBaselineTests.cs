using System.Net;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Security;

public sealed class SecurityBaselineTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task EveryPage_CarriesContentSecurityPolicyAndFramingGuards()
    {
        using var browser = site.CreateBrowser();

        var page = await browser.GetAsync("/");

        var csp = Assert.Single(page.Response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        // Forms post only here, or (the redirect after "Join") to Stripe's hosted pages: the built-in emulator on loopback.
        Assert.Contains("form-action 'self' http://127.0.0.1:*;", csp);
        Assert.Equal("nosniff", Assert.Single(page.Response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(page.Response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task SignIn_SetsHttpOnlySameSiteCookies()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();
        await browser.SignUpAsync(email);
        await browser.ConfirmEmailAsync(email);

        var page = await browser.SignInAsync(email);

        var auth = page.Response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("membership.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", auth, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Forms_WithoutAntiforgeryToken_Answer400AndWriteNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email();

        var page = await browser.PostAsync("/account/sign-up", new Dictionary<string, string>
        {
            ["DisplayName"] = "Forged",
            ["Email"] = email,
            ["Password"] = Passwords.Good,
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(0, await site.EmailsToAsync(email));
        Assert.False(await site.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Users, u => u.Email == email)));
    }
}

public sealed class HttpsTests
{
    private sealed class ProductionSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Security:RequireHttps"] = "true",
            ["https_port"] = "443",
        };
    }

    [Fact]
    public async Task RequireHttps_PlainHttpRequest_RedirectsToHttps()
    {
        await using var site = new ProductionSite();
        using var client = site.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/account/sign-in");

        Assert.True(response.StatusCode is HttpStatusCode.RedirectKeepVerb or HttpStatusCode.Redirect or HttpStatusCode.PermanentRedirect,
            $"Expected a redirect, got {(int)response.StatusCode}");
        Assert.Equal("https", response.Headers.Location!.Scheme);
    }

    [Fact]
    public async Task RequireHttps_HttpsRequest_SendsHstsAndSecureCookies()
    {
        await using var site = new ProductionSite();
        using var client = site.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            // HSTS is never sent to localhost, so ask as a real host name.
            BaseAddress = new Uri("https://members.example"),
        });

        var response = await client.GetAsync("/account/sign-in");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("membership.antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class BaseUrlTests
{
    private sealed class NoBaseUrlSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["App:BaseUrl"] = "" };
    }

    [Fact]
    public async Task Startup_OutsideDevelopmentWithoutBaseUrl_RefusesWithReason()
    {
        await using var site = new NoBaseUrlSite();

        var error = Assert.ThrowsAny<Exception>(() => site.CreateClient());

        Assert.Contains("Set App:BaseUrl", error.ToString());
    }
}
