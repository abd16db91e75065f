using System.Net;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Billing;

/// <summary>The admins' Simulated payments page: the built-in emulator's clock, moved from the site.</summary>
public sealed class SimulatedPaymentsTests
{
    private sealed class OperatorSite : MembershipFactory
    {
        public const string OperatorEmail = "operator@example.test";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Admin:Emails:0"] = OperatorEmail };
    }

    [Fact]
    public async Task AdvanceMonth_Admin_EmulatorClockMovesAMonth_OthersGetNoPage()
    {
        await using var site = new OperatorSite();
        using var admin = site.CreateBrowser();
        await admin.RegisterAsync(OperatorSite.OperatorEmail);
        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email("fan"));

        var page = await admin.GetAsync("/admin/payments");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Simulated time", page.Html);
        Assert.Contains("none: no membership is due to renew", page.Html);
        var before = EmulatorNow(site);

        var moved = await admin.SubmitAsync("/admin/payments", "/admin/payments/advance", new Dictionary<string, string> { ["step"] = "Month" });

        Assert.Equal(HttpStatusCode.Redirect, moved.Status);
        Assert.InRange((EmulatorNow(site) - before.AddMonths(1)).TotalMinutes, -1, 1);
        Assert.Contains("Simulated time is now", (await admin.GetAsync("/admin/payments")).Html);
        Assert.NotEqual(HttpStatusCode.OK, (await fan.GetAsync("/admin/payments")).Status);
        var refused = await admin.SubmitAsync("/admin/payments", "/admin/payments/advance", new Dictionary<string, string> { ["step"] = "Century" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
    }

    private static DateTimeOffset EmulatorNow(MembershipFactory site) =>
        ((Membership.Web.Infrastructure.Stripe.StripeEndpoint)site.Services.GetService(typeof(Membership.Web.Infrastructure.Stripe.StripeEndpoint))!).Emulator!.Clock.UtcNow;
}
