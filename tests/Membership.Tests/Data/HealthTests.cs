using System.Net;
using System.Net.Sockets;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Data;

public sealed class HealthTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task Healthz_DatabaseAnswers_Is200()
    {
        using var client = site.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    private sealed class UnreachableDatabaseSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Database=none;Timeout=2",
            ["Database:MigrateOnStartup"] = "false",
        };

        private static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }

    [Fact]
    public async Task Healthz_DatabaseDown_Is503()
    {
        await using var down = new UnreachableDatabaseSite();
        using var client = down.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync());
    }
}
