using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Membership.Tests.Billing;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Membership.Tests.Telemetry;

/// <summary>
/// <c>membership.stripe.calls</c> counts each call the site makes through its Stripe gateway,
/// by what came of it: against the Stripe emulator over HTTP (answered, refused) and against a
/// port where nothing listens (unavailable, then paused by the circuit breaker).
/// </summary>
public sealed class StripeTelemetryTests
{
    private const string Calls = "membership.stripe.calls";

    [Fact]
    public async Task StripeCall_AnsweredOrRefused_CountedOkAndRejected()
    {
        await using var billing = await BillingSite.StartAsync();
        var stripe = billing.Site.Services.GetRequiredService<StripeGateway>();

        using var trace = new Activity("telemetry-test").Start();
        using var recorder = MeasurementRecorder.ForThisTrace(trace);
        var customer = await stripe.CallAsync((client, token) => new CustomerService(client).CreateAsync(
            new CustomerCreateOptions { Email = Unique.Email("stripe") }, cancellationToken: token));
        await Assert.ThrowsAsync<StripeException>(() => stripe.CallAsync((client, token) => new CustomerService(client).GetAsync("cus_missing", cancellationToken: token)));

        Assert.StartsWith("cus_", customer.Id);
        Assert.Equal(1, recorder.Sum(Calls, "outcome", MembershipTelemetry.StripeOutcome.Ok));
        Assert.Equal(1, recorder.Sum(Calls, "outcome", MembershipTelemetry.StripeOutcome.Rejected));
        Assert.Equal(2, recorder.All(Calls).Count);
    }

    [Fact]
    public async Task StripeUnreachable_CountedUnavailable_ThenPausedOnceTheCircuitOpens()
    {
        await using var site = new MembershipFactory
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["Stripe:SecretKey"] = "sk_test_membership_site",
                ["Stripe:WebhookSecret"] = "whsec_membership_tests",
                ["Stripe:ApiBase"] = "http://127.0.0.1:" + ClosedPort().ToString(CultureInfo.InvariantCulture),
                ["Stripe:MaxNetworkRetries"] = "0",
                ["Stripe:BreakAfterFailures"] = "2",
            },
        };
        var stripe = site.Services.GetRequiredService<StripeGateway>();

        using var trace = new Activity("telemetry-test").Start();
        using var recorder = MeasurementRecorder.ForThisTrace(trace);
        for (var call = 0; call < 3; call++)
        {
            await Assert.ThrowsAsync<PaymentsUnavailableException>(() => stripe.CallAsync((client, token) =>
                new CustomerService(client).GetAsync("cus_any", cancellationToken: token)));
        }

        Assert.Equal(2, recorder.Sum(Calls, "outcome", MembershipTelemetry.StripeOutcome.Unavailable));
        Assert.Equal(1, recorder.Sum(Calls, "outcome", MembershipTelemetry.StripeOutcome.Paused));
        Assert.Equal(0, recorder.Sum(Calls, "outcome", MembershipTelemetry.StripeOutcome.Ok));
    }

    /// <summary>A loopback port nothing listens on (taken and given back).</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
