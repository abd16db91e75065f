using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Data;

public sealed class HealthTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task Ready_DatabaseAnswers_Is200WithEachCheck()
    {
        using var client = site.CreateClient();

        var live = await client.GetAsync("/healthz");
        var ready = await client.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        foreach (var check in new[] { "database", "smtp", "stripe", "uploads" })
        {
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }
    }

    private sealed class UnreachableSmtpSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    [Fact]
    public async Task Ready_SmtpDown_IsDegradedButServes()
    {
        await using var noSmtp = new UnreachableSmtpSite();
        using var client = noSmtp.CreateClient();

        var ready = await client.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Degraded", body.RootElement.GetProperty("checks").GetProperty("smtp").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    private sealed class UnreachableDatabaseSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Database=none;Timeout=2",
            ["Database:MigrateOnStartup"] = "false",
        };
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Ready_DatabaseDown_Is503_LiveStill200()
    {
        await using var down = new UnreachableDatabaseSite();
        using var client = down.CreateClient();

        var ready = await client.GetAsync("/healthz/ready");
        var live = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
