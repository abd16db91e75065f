using System.Net;
using System.Text;
using Membership.Data.Entities;
using Membership.StripeEmulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using System.Data.Common;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;

namespace Membership.Tests.Billing;

/// <summary><c>POST /webhooks/stripe</c>: verified, stored once, handled so that duplicates and disorder converge.</summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task DuplicateDeliveries_EveryEventTwice_OneEffect()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.DeliverTwice = true;

        await fan.JoinAsync(creator, "Bronze");
        await billing.AdvanceAsync(TimeSpan.FromDays(32));

        Assert.True(billing.Emulator.Webhooks.Delivered.Count >= 2 * billing.Emulator.Events.Count(e => e.Type != "account.updated"));
        Assert.Equal(2, (await fan.PaymentsAsync(creator)).Count);
        Assert.Equal([MembershipChangeKind.Started], await fan.HistoryAsync(creator));
        Assert.Equal(1, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == fan.Email && e.Subject.StartsWith("Welcome"))));
        Assert.Equal(2, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == fan.Email && e.Subject.StartsWith("Receipt"))));
    }

    [Fact]
    public async Task SameEvent_TwoConcurrentDeliveriesAndHandlings_OneRowOneEffect()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.EndpointUrl = null; // the test delivers by hand
        await fan.JoinAsync(creator, "Bronze", settle: false);
        var paid = billing.Emulator.Events.Single(e => e.Type == "invoice.paid");
        var created = billing.Emulator.Events.Single(e => e.Type == "customer.subscription.created");

        foreach (var stripeEvent in new[] { created, paid })
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostSignedAsync(billing, stripeEvent.Json)));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        }

        Assert.Equal(2, await billing.DbAsync(db => db.StripeEvents.CountAsync(e => e.Id == created.Id || e.Id == paid.Id)));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            await using var scope = billing.Site.Services.CreateAsyncScope();
            var processor = scope.ServiceProvider.GetRequiredService<StripeEventProcessor>();
            await Task.WhenAll(processor.ProcessAsync(created.Id, CancellationToken.None), processor.ProcessAsync(paid.Id, CancellationToken.None));
        }));

        Assert.Single(await fan.PaymentsAsync(creator));
        Assert.Equal([MembershipChangeKind.Started], await fan.HistoryAsync(creator));
        Assert.Equal(1, await billing.DbAsync(db => db.Subscriptions.CountAsync()));
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
    }

    [Fact]
    public async Task Reordered_UpdatedBeforeCreated_EndsInStripesState()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.Hold();
        var checkout = await fan.JoinAsync(creator, "Bronze", settle: false);
        billing.Emulator.Clock.Advance(TimeSpan.FromDays(3));
        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });

        var order = billing.Emulator.Webhooks.Release(WebhookReleaseOrder.Reverse);
        Assert.Equal("customer.subscription.updated", billing.Emulator.Events.Single(e => e.Id == order[0]).Type);
        await billing.SettleAsync();

        var subscription = await fan.SubscriptionAsync(creator);
        Assert.Equal("active", subscription.Status);
        Assert.True(subscription.CancelAtPeriodEnd);
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Single(await fan.PaymentsAsync(creator));
        Assert.Equal(MembershipChangeKind.Started, (await fan.HistoryAsync(creator))[0]);
    }

    [Fact]
    public async Task DeletedThenStaleUpdated_StaysEnded()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");

        billing.Emulator.Webhooks.Hold();
        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await new SubscriptionService(billing.Stripe).CancelAsync(checkout.SubscriptionId);
        var order = billing.Emulator.Webhooks.Release(WebhookReleaseOrder.Reverse);
        Assert.Equal("customer.subscription.deleted", billing.Emulator.Events.Single(e => e.Id == order[0]).Type);
        await billing.SettleAsync();

        Assert.Equal("canceled", (await fan.SubscriptionAsync(creator)).Status);
        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.Ended], await fan.HistoryAsync(creator));
    }

    [Fact]
    public async Task TwoSecretsAndDuplicates_PlatformAndConnectEvents_AcceptedWithoutWarningsOrErrors()
    {
        var logs = new CapturedLogs();
        await using var billing = await BillingSite.StartAsync(
            services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs),
            // The Connect endpoint's secret first: every platform event fails it before it passes the second.
            settings: new Dictionary<string, string?> { ["Stripe:WebhookSecret"] = "whsec_connect_endpoint_secret, whsec_platform_endpoint_secret" },
            emulatorOptions: o => o.WebhookSecret = "whsec_platform_endpoint_secret");
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.DeliverTwice = true;
        // From here (PostgreSQL logs a connection error at start-up, while the migrations create the new database).
        var before = logs.Lines.Count;

        await fan.JoinAsync(creator, "Bronze");

        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Contains(logs.Lines, l => l.Category.StartsWith("Membership.", StringComparison.Ordinal)); // the capture is wired
        var during = logs.Lines.Skip(before).ToList();
        Assert.DoesNotContain(during, l => l.Message.Contains("Refused a Stripe webhook", StringComparison.Ordinal));
        Assert.DoesNotContain(during, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("missing")]
    [InlineData("stale")]
    [InlineData("other-secret")]
    public async Task Signature_BadMissingOrStale_400AndNothingWritten(string kind)
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.EndpointUrl = null;
        await fan.JoinAsync(creator, "Bronze", settle: false);
        var paid = billing.Emulator.Events.Single(e => e.Type == "invoice.paid");
        var json = paid.Json;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = kind switch
        {
            "bad" => $"t={now},v1={new string('0', 64)}",
            "missing" => null,
            "stale" => WebhookSettings.Sign(json, billing.Emulator.Webhooks.Secret, now - 301),
            _ => WebhookSettings.Sign(json, "whsec_someone_else", now),
        };

        using var client = billing.Site.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (header is not null)
        {
            request.Headers.Add("Stripe-Signature", header);
        }

        var response = await client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.False(await billing.DbAsync(db => db.StripeEvents.AnyAsync(e => e.Id == paid.Id)));
        Assert.Equal(0, await billing.DbAsync(db => db.Payments.CountAsync()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OverTheSizeLimit_SignedOrNot_413AndNothingStored(bool withContentLength)
    {
        await using var billing = await BillingSite.StartAsync();
        var padding = new string('x', StripeWebhookController.MaxPayloadBytes);
        var json = """{"id":"evt_too_big_1","object":"event","type":"customer.tax_id.created","created":1767000000,"api_version":"2026-10-28.endive","livemode":false,"pending_webhooks":1,"data":{"object":{"id":"txi_1","object":"tax_id","padding":"PADDING"}}}"""
            .Replace("PADDING", padding, StringComparison.Ordinal);
        using var client = billing.Site.CreateClient();
        var bytes = Encoding.UTF8.GetBytes(json);
        HttpContent content = withContentLength
            ? new ByteArrayContent(bytes)
            : new StreamContent(new NoLengthStream(bytes)); // sent chunked: the limit is found while reading
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = content };
        request.Headers.Add("Stripe-Signature", WebhookSettings.Sign(json, billing.Emulator.Webhooks.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than 512 KB", await response.Content.ReadAsStringAsync());
        Assert.False(await billing.DbAsync(db => db.StripeEvents.AnyAsync(e => e.Id == "evt_too_big_1")));
    }

    [Fact]
    public async Task UnknownEventType_AcknowledgedAndIgnored()
    {
        await using var billing = await BillingSite.StartAsync();
        var json = """{"id":"evt_unknown_1","object":"event","type":"customer.tax_id.created","created":1767000000,"api_version":"2026-10-28.endive","livemode":false,"pending_webhooks":1,"data":{"object":{"id":"txi_1","object":"tax_id"}}}""";

        Assert.Equal(HttpStatusCode.OK, await PostSignedAsync(billing, json));

        var row = await billing.DbAsync(db => db.StripeEvents.SingleAsync(e => e.Id == "evt_unknown_1"));
        Assert.Equal("customer.tax_id.created", row.Type);
        Assert.NotNull(row.ProcessedAt);
    }

    [Fact]
    public async Task DatabaseDownDuringWebhook_Non2xx_RedeliverySucceedsOnce()
    {
        var outage = new DatabaseOutage();
        await using var billing = await BillingSite.StartAsync(services => services.AddSingleton<IInterceptor>(outage));
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Webhooks.Hold();
        await fan.JoinAsync(creator, "Bronze", settle: false);

        outage.Down = true;
        billing.Emulator.Webhooks.Release(WebhookReleaseOrder.AsHappened);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!billing.Emulator.Webhooks.Attempts.Any(a => !a.Succeeded) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var refused = billing.Emulator.Webhooks.Attempts.First(a => !a.Succeeded);
        Assert.True(refused.StatusCode is null or >= 500, $"answered {refused.StatusCode}");
        outage.Down = false;
        await billing.SettleAsync();

        Assert.All(billing.Emulator.Webhooks.Deliveries, d => Assert.Equal(WebhookDeliveryStatus.Delivered, d.Status));
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Single(await fan.PaymentsAsync(creator));
        Assert.Equal([MembershipChangeKind.Started], await fan.HistoryAsync(creator));
        Assert.Equal(billing.Emulator.Events.Count, await billing.DbAsync(db => db.StripeEvents.CountAsync()));
    }

    internal static async Task<HttpStatusCode> PostSignedAsync(BillingSite billing, string json)
    {
        using var client = billing.Site.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", WebhookSettings.Sign(json, billing.Emulator.Webhooks.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return (await client.SendAsync(request)).StatusCode;
    }

    /// <summary>Fault seam: while <see cref="Down"/>, every database connection fails to open.</summary>
    private sealed class DatabaseOutage : DbConnectionInterceptor
    {
        public volatile bool Down;

        public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
            Down ? throw new InvalidOperationException("Database unavailable (test outage)") : result;

        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            Down ? throw new InvalidOperationException("Database unavailable (test outage)") : ValueTask.FromResult(result);
    }

    /// <summary>A body whose length HttpClient cannot know, so it goes chunked with no Content-Length.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
