using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class WebhookTests
{
    [Fact]
    public async Task Signatures_verify_with_stripe_net_and_fail_with_another_secret()
    {
        await using var h = await Harness.StartAsync(o => o.WebhookSecret = "whsec_test_secret");
        await h.SubscribeAsync();
        await h.WebhooksIdleAsync();
        var received = h.Receiver.Received;
        Assert.Equal(3, received.Count);
        foreach (var r in received)
        {
            Assert.Matches("^t=\\d+,v1=[0-9a-f]{64}$", r.Signature);
            var ev = r.Verify("whsec_test_secret");
            Assert.Equal(r.EventId, ev.Id);
        }

        Assert.Throws<StripeException>(() => received[0].Verify("whsec_other"));
        var tampered = received[0] with { Body = received[0].Body.Replace("\"livemode\": false", "\"livemode\": true", StringComparison.Ordinal) };
        Assert.Throws<StripeException>(() => tampered.Verify("whsec_test_secret"));

        // The emulator's own signing helper matches Stripe.net's.
        Assert.Equal(EventUtility.GenerateSignatureHeader("{}", "whsec_x", 1234), WebhookSettings.Sign("{}", "whsec_x", 1234));
    }

    [Fact]
    public async Task A_non_2xx_answer_is_retried_with_backoff()
    {
        await using var h = await Harness.StartAsync();
        var seen = new ConcurrentDictionary<string, int>();
        h.Receiver.Respond = r => seen.AddOrUpdate(r.EventId, 1, (_, n) => n + 1) == 1 ? 500 : 200;
        await h.SubscribeAsync();
        await h.WebhooksIdleAsync();

        var deliveries = h.Emulator.Webhooks.Deliveries;
        Assert.Equal(3, deliveries.Count);
        Assert.All(deliveries, d =>
        {
            Assert.Equal(WebhookDeliveryStatus.Delivered, d.Status);
            Assert.Equal(2, d.Attempts);
        });
        var attempts = h.Emulator.Webhooks.Attempts;
        Assert.Equal(6, attempts.Count);
        Assert.Equal(3, attempts.Count(a => a.StatusCode == 500 && !a.Succeeded));
        foreach (var group in attempts.GroupBy(a => a.EventId))
        {
            var tries = group.OrderBy(a => a.AttemptNumber).ToList();
            Assert.True(tries[1].At - tries[0].At >= TimeSpan.FromMilliseconds(15), "retry waited for the backoff");
        }
    }

    [Fact]
    public async Task Unreachable_endpoints_are_given_up_after_max_attempts()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var h = await Harness.StartAsync(o =>
        {
            o.WebhookEndpoint = new Uri($"http://127.0.0.1:{closedPort}/hooks");
            o.WebhookMaxAttempts = 3;
        });
        await new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions());
        var product = await new ProductService(h.Client).CreateAsync(new ProductCreateOptions { Name = "x" });
        var account = await new AccountService(h.Client).CreateAsync(new AccountCreateOptions { Type = "express" });
        await new AccountService(h.Client).UpdateAsync(account.Id, new AccountUpdateOptions { Metadata = new Dictionary<string, string> { ["a"] = "b" } });
        await h.WebhooksIdleAsync();
        var delivery = Assert.Single(h.Emulator.Webhooks.Deliveries);
        Assert.Equal(WebhookDeliveryStatus.Failed, delivery.Status);
        Assert.Equal(3, delivery.Attempts);
        Assert.NotNull(delivery.LastError);
        Assert.NotNull(product);
    }

    [Fact]
    public async Task Deliver_twice_sends_each_event_twice()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.Webhooks.DeliverTwice = true;
        await h.SubscribeAsync();
        await h.WebhooksIdleAsync();
        var ids = h.Receiver.Received.Select(r => r.EventId).ToList();
        Assert.Equal(6, ids.Count);
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(ids[2], ids[3]);
        Assert.Equal(ids[4], ids[5]);
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal([1, 2, 1, 2, 1, 2], h.Emulator.Webhooks.Delivered.Select(d => d.Copy));
    }

    [Fact]
    public async Task Held_events_can_be_released_in_reverse_order()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.Webhooks.Hold();
        var sub = await h.SubscribeAsync();
        await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions { Metadata = new Dictionary<string, string> { ["x"] = "1" } });
        Assert.Equal(4, h.Emulator.Webhooks.Held.Count);
        await h.WebhooksIdleAsync();
        Assert.Empty(h.Receiver.Received);

        var order = h.Emulator.Webhooks.Release(WebhookReleaseOrder.Reverse);
        await h.WebhooksIdleAsync();
        var types = h.Receiver.Received.Select(r => r.Type).ToList();
        Assert.Equal(["customer.subscription.updated", "checkout.session.completed", "invoice.paid", "customer.subscription.created"], types);
        Assert.Equal(order, h.Receiver.Received.Select(r => r.EventId));
        Assert.True(types.IndexOf("customer.subscription.updated") < types.IndexOf("customer.subscription.created"));

        // A custom order (here: only the subscription events, updated first) over the C# API.
        h.Emulator.Webhooks.Hold();
        await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions { Metadata = new Dictionary<string, string> { ["x"] = "2" } });
        h.Emulator.Webhooks.Release(batch => batch.Where(e => e.Type.StartsWith("customer.subscription", StringComparison.Ordinal)));
        await h.WebhooksIdleAsync();
        Assert.Equal(5, h.Receiver.Received.Count);
    }

    [Fact]
    public async Task Switches_can_be_set_over_http()
    {
        await using var h = await Harness.StartAsync();
        using var http = new HttpClient { BaseAddress = h.Emulator.BaseUrl };
        using var hold = await http.PostAsJsonAsync("/_emulator/webhooks", new { hold = true, deliver_twice = true });
        Assert.True(h.Emulator.Webhooks.IsHolding);
        await new ProductService(h.Client).CreateAsync(new ProductCreateOptions { Name = "No events for products" });
        var account = await new AccountService(h.Client).CreateAsync(new AccountCreateOptions { Type = "express" });
        h.Emulator.CompleteOnboarding(account.Id);
        using var release = await http.PostAsJsonAsync("/_emulator/webhooks", new { release = "as_happened" });
        await h.WebhooksIdleAsync();
        Assert.Equal(2, h.Receiver.Received.Count);
        var state = await http.GetFromJsonAsync<JsonObject>("/_emulator/webhooks");
        Assert.Equal(2, state!["deliveries"]!.AsArray().Count);
        Assert.Equal(h.Emulator.Webhooks.Secret, state["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deliveries_can_go_through_an_in_process_handler()
    {
        var handler = new RecordingHandler();
        await using var h = await Harness.StartAsync(o =>
        {
            o.WebhookEndpoint = new Uri("http://localhost/webhooks/stripe");
            o.WebhookHandler = handler;
        });
        await h.SubscribeAsync();
        await h.WebhooksIdleAsync();
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("http://localhost/webhooks/stripe", r.Url));
        Assert.Equal("checkout.session.completed", EventUtility.ConstructEvent(handler.Requests[2].Body, handler.Requests[2].Signature, h.Emulator.Webhooks.Secret).Type);
        Assert.Empty(h.Receiver.Received);
    }

    [Fact]
    public async Task Events_can_be_retrieved_and_listed()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var events = new EventService(h.Client);
        var all = await events.ListAsync();
        Assert.Equal(3, all.Data.Count);
        Assert.Equal("checkout.session.completed", all.Data[0].Type); // newest first
        var one = await events.GetAsync(all.Data[2].Id);
        Assert.Equal("customer.subscription.created", one.Type);
        Assert.Equal(sub.Id, ((Subscription)one.Data.Object).Id);
        var invoices = await events.ListAsync(new EventListOptions { Type = "invoice.*" });
        Assert.Equal("invoice.paid", Assert.Single(invoices.Data).Type);
        Assert.Null(one.Request.Id); // caused by the hosted page, not an API request

        await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions { Metadata = new Dictionary<string, string> { ["k"] = "v" } }, new RequestOptions { IdempotencyKey = "meta-1" });
        var updated = (await events.ListAsync(new EventListOptions { Type = "customer.subscription.updated" })).Data.Single();
        Assert.Equal("meta-1", updated.Request.IdempotencyKey);
        Assert.StartsWith("req_", updated.Request.Id, StringComparison.Ordinal);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<(string Url, string Body, string Signature)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add((request.RequestUri!.ToString(), body, request.Headers.GetValues("Stripe-Signature").Single()));
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
