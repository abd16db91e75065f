using System.Diagnostics;
using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Email;
using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Membership.Tests.Telemetry;

/// <summary>
/// OpenTelemetry end to end: with an endpoint the site exports traces, metrics and logs over
/// OTLP/HTTP to a receiver on loopback; the counters record what really happened to each email
/// (against the real SMTP server); without an endpoint nothing is registered to export.
/// </summary>
public sealed class TelemetryTests
{
    private const string EmailsSent = "membership.emails.sent";
    private const string EmailsFailed = "membership.emails.failed";

    [Fact]
    public async Task OtlpEndpointSet_RequestAndPostDelivery_ExportTracesMetricsAndLogs()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var smtp = await SmtpServer.StartNewAsync();
        var service = "membership-test-" + Guid.NewGuid().ToString("N")[..8];
        var settings = EmailScenario.SmtpSettings(smtp);
        settings["Telemetry:OtlpEndpoint"] = receiver.BaseAddress;
        settings["Telemetry:Protocol"] = "http/protobuf";
        settings["Telemetry:ServiceName"] = service;
        settings["Telemetry:Headers"] = "x-collector-key=test-secret";
        settings["Telemetry:ExportIntervalSeconds"] = "1";
        await using var site = new MembershipFactory { ExtraSettings = settings };
        var scenario = await new EmailScenario(site).BuildAsync();

        var page = await scenario.Creator.GetAsync("/" + scenario.Handle);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var postId = await scenario.PublishAndEmailAsync("traced", "Members", "SECRET-otel");
        await scenario.SendAsync(await scenario.DeliveryIdAsync(postId));
        Assert.Equal(5, smtp.Recipients().Count);

        // Bounded: exports go every second here; 30 s is far beyond a few intervals.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        bool Done() =>
            receiver.AnyContains("traces", service, "/" + scenario.Handle)
            && receiver.AnyContains("traces", service, "post delivery")
            && receiver.AnyContains("metrics", service, EmailsSent, "http.server.request.duration")
            && receiver.AnyContains("logs", service, "emails for delivery");
        while (!Done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(receiver.AnyContains("traces", service, "/" + scenario.Handle), "No exported trace of the request to the creator page.");
        Assert.True(receiver.AnyContains("traces", service, "post delivery"), "No exported span of the post delivery.");
        Assert.True(receiver.AnyContains("metrics", service, EmailsSent, "http.server.request.duration"), "No exported membership.emails.sent or request metrics.");
        Assert.True(receiver.AnyContains("logs", service, "emails for delivery"), "No exported log record of the delivery.");
        Assert.All(receiver.Received("traces").Concat(receiver.Received("metrics")).Concat(receiver.Received("logs")),
            export => Assert.Equal("test-secret", export.Headers.GetValueOrDefault("x-collector-key")));
        Assert.NotNull(site.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task PostDelivery_AllAccepted_SentCountsEachRecipientOnce()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        var postId = await scenario.PublishAndEmailAsync("counted", "Members", "SECRET-c");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        using var trace = new Activity("telemetry-test").Start();
        using var recorder = MeasurementRecorder.ForThisTrace(trace);
        await scenario.SendAsync(deliveryId);

        // Everyone who may read it and wants post emails (EmailScenario: five).
        Assert.Equal(5, smtp.Recipients().Count);
        Assert.Equal(5, recorder.Sum(EmailsSent, "kind", MembershipTelemetry.EmailKind.Post));
        Assert.Equal(0, recorder.Sum(EmailsFailed, "kind", MembershipTelemetry.EmailKind.Post));
        Assert.Equal(5, (await scenario.StatusCountsAsync(deliveryId))[RecipientStatus.Sent]);
    }

    [Fact]
    public async Task PostDelivery_RecipientRefusedWith550_FailedCountsOneAndSentTheRest()
    {
        await using var smtp = await SmtpServer.StartNewAsync(rejectPrefix: "bounce");
        await using var site = EmailScenario.SiteFor(smtp);
        var scenario = await new EmailScenario(site).BuildAsync();
        await scenario.AddFanAsync("bounce", MemberStatus.Following, null);
        var postId = await scenario.PublishAndEmailAsync("refused", "Members", "SECRET-r");
        var deliveryId = await scenario.DeliveryIdAsync(postId);

        using var trace = new Activity("telemetry-test").Start();
        using var recorder = MeasurementRecorder.ForThisTrace(trace);
        await scenario.SendAsync(deliveryId);

        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(1, counts[RecipientStatus.Failed]);
        Assert.Equal(5, counts[RecipientStatus.Sent]);
        Assert.Equal(5, smtp.Recipients().Count);
        Assert.Equal(5, recorder.Sum(EmailsSent, "kind", MembershipTelemetry.EmailKind.Post));
        Assert.Equal(1, recorder.Sum(EmailsFailed, "kind", MembershipTelemetry.EmailKind.Post));
    }

    [Fact]
    public async Task OutboxEmail_SmtpDownThenUp_FailedCountsTheFailedTryAndSentCountsTheDelivery()
    {
        await using var smtp = SmtpServer.Reserve();
        await using var site = EmailScenario.SiteFor(smtp);
        var to = Unique.Email("outbox");
        // Stored without waking the background pump, so only this test's calls send it.
        var id = await site.WithDbAsync(async db =>
        {
            var row = site.Services.GetRequiredService<OutboxEmailSender>().Stage(db, new EmailMessage(to, "Counted", "Text", "<p>Html</p>"));
            await db.SaveChangesAsync();
            return row.Id;
        });
        var dispatcher = site.Services.GetRequiredService<OutboxDispatcher>();

        using var trace = new Activity("telemetry-test").Start();
        using var recorder = MeasurementRecorder.ForThisTrace(trace);
        Assert.False(await dispatcher.TrySendAsync(id, CancellationToken.None));
        Assert.Equal(1, recorder.Sum(EmailsFailed, "kind", MembershipTelemetry.EmailKind.Transactional));
        Assert.Equal(0, recorder.Sum(EmailsSent, "kind", MembershipTelemetry.EmailKind.Transactional));

        await smtp.StartAsync();
        Assert.True(await dispatcher.TrySendAsync(id, CancellationToken.None));

        Assert.Equal([to.ToLowerInvariant()], smtp.Recipients());
        Assert.Equal(1, recorder.Sum(EmailsSent, "kind", MembershipTelemetry.EmailKind.Transactional));
        Assert.Equal(1, recorder.Sum(EmailsFailed, "kind", MembershipTelemetry.EmailKind.Transactional));
        Assert.Equal(0, recorder.Sum(EmailsSent, "kind", MembershipTelemetry.EmailKind.Post));
    }

    [Fact]
    public async Task NoEndpoint_SiteServes_AndNothingIsRegisteredToExport()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TelemetrySetup.StandardEndpointVariable)),
            $"{TelemetrySetup.StandardEndpointVariable} is set in the test environment; unset it to test the embedded default.");
        await using var site = new MembershipFactory();
        using var browser = site.CreateBrowser();

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/healthz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).Status);
        Assert.Null(site.Services.GetService<TracerProvider>());
        Assert.Null(site.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(site.Services.GetServices<ILoggerProvider>(), provider => provider is OpenTelemetryLoggerProvider);
    }

    [Theory]
    [InlineData("Telemetry:Protocol", "udp")]
    [InlineData("Telemetry:ExportIntervalSeconds", "0")]
    [InlineData("Telemetry:ServiceName", " ")]
    public void BadSetting_WithEndpoint_SiteRefusesToStartNamingIt(string key, string value)
    {
        var error = StartFailure(new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4318", [key] = value });

        Assert.Contains(key, error);
    }

    [Fact]
    public void MalformedHeaders_SiteRefusesToStart_WithoutRepeatingTheSecret()
    {
        var error = StartFailure(new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4318",
            ["Telemetry:Headers"] = "api-key-0123456789",
        });

        Assert.Contains("Telemetry:Headers", error);
        Assert.DoesNotContain("api-key-0123456789", error);
    }

    [Fact]
    public void EndpointNotHttp_SiteRefusesToStart()
    {
        Assert.Contains("Telemetry:OtlpEndpoint", StartFailure(new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = "collector:4317" }));
    }

    /// <summary>Starts a host that must fail; returns the whole error (inner exceptions included).</summary>
    private static string StartFailure(Dictionary<string, string?> settings)
    {
        using var site = new MembershipFactory { ExtraSettings = settings };
        return Assert.ThrowsAny<Exception>(() => site.Services).ToString();
    }
}
