using System.Net;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Membership.Tests.Security;

/// <summary>Production defaults (HTTPS required) reached over plain HTTP with no proxy configured: explained, not a 500.</summary>
public sealed class PlainHttpTests
{
    [Theory]
    [InlineData(true, "", "http://0.0.0.0:8080", true)]
    [InlineData(false, "", "http://0.0.0.0:8080", false)]
    [InlineData(true, "10.0.0.10", "http://0.0.0.0:8080", false)]
    [InlineData(true, "", "http://0.0.0.0:8080 https://0.0.0.0:8443", false)]
    [InlineData(true, "", "https://0.0.0.0:8443", false)]
    [InlineData(true, "", "", false)]
    public void RefusesForms_ByHttpsSettingProxiesAndAddresses_IsTrueOnlyForPlainHttpWithoutProxy(bool requireHttps, string proxy, string addresses, bool refuses)
    {
        var security = new SecuritySettings { KnownProxies = proxy.Length == 0 ? [] : [proxy] };

        var answer = PlainHttp.RefusesForms(requireHttps, security, addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(refuses, answer);
    }

    [Fact]
    public async Task Production_PlainHttpWithoutProxy_FormsAnswer400NamingTheSettingsAndStartUpWarns()
    {
        var logs = new CapturedLogs();
        await using var site = new PlainHttpProductionSite { TestServices = services => services.AddSingleton<ILoggerProvider>(logs) };
        var address = site.Start();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        var email = Unique.Email("plain");

        var form = await client.GetAsync("/account/sign-up");
        var post = await client.PostAsync("/account/sign-up", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["DisplayName"] = "Plain",
            ["Email"] = email,
            ["Password"] = Passwords.Good,
        }));

        foreach (var response in new[] { form, post })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("This site needs HTTPS", html);
            Assert.Contains("Security:RequireHttps", html);
            Assert.Contains("Security:KnownProxies", html);
            Assert.Contains("Security__RequireHttps=false", html);
        }

        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        var warning = Assert.Single(logs.Lines, l => l.Level == LogLevel.Warning && l.Category == typeof(PlainHttp).FullName);
        Assert.Contains(address.ToString().TrimEnd('/'), warning.Message);
        Assert.Contains("Security:KnownProxies", warning.Message);
        Assert.Contains("Security:RequireHttps=false", warning.Message);
    }

    [Fact]
    public async Task Production_PlainHttpFromAKnownProxy_ServesFormsAndLogsNoWarning()
    {
        var logs = new CapturedLogs();
        await using var site = new PlainHttpProductionSite(knownProxy: "127.0.0.1") { TestServices = services => services.AddSingleton<ILoggerProvider>(logs) };
        var address = site.Start();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-up");
        request.Headers.Add("X-Forwarded-For", "203.0.113.5");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var page = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("__RequestVerificationToken", await page.Content.ReadAsStringAsync());
        Assert.DoesNotContain(logs.Lines, l => l.Category == typeof(PlainHttp).FullName);
    }

    /// <summary>As shipped: Production, Security:RequireHttps unset (so on), Kestrel on plain HTTP; a known proxy when given.</summary>
    private sealed class PlainHttpProductionSite : MembershipFactory
    {
        private readonly string? _knownProxy;

        public PlainHttpProductionSite(string? knownProxy = null)
        {
            _knownProxy = knownProxy;
            UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        }

        protected override IDictionary<string, string?> Settings => _knownProxy is null
            ? new Dictionary<string, string?> { ["Security:RequireHttps"] = null }
            : new Dictionary<string, string?> { ["Security:RequireHttps"] = null, ["Security:KnownProxies:0"] = _knownProxy };

        /// <summary>Starts Kestrel; the address it listens on.</summary>
        public Uri Start()
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
                ?? throw new InvalidOperationException("Kestrel reports no addresses.");
            return new Uri(addresses.Single());
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}
