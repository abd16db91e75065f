using Stripe;

namespace Membership.StripeEmulator.Tests;

/// <summary>What a "simulated payments" admin page reads: the next due work, and recent events with their delivery state.</summary>
public sealed class AdminViewTests
{
    [Fact]
    public async Task NextDueAt_FollowsRenewalsTrialsCancellationsRetriesAndCheckoutExpiry()
    {
        await using var h = await Harness.StartAsync();
        Assert.Null(h.Emulator.NextDueAt);
        Assert.Empty(h.Emulator.Upcoming());

        var price = await h.CreateMonthlyPriceAsync();
        var open = await h.CreateCheckoutAsync(price.Id);
        var due = Assert.Single(h.Emulator.Upcoming());
        Assert.Equal(DueWorkKind.CheckoutExpiry, due.Kind);
        Assert.Equal(open.Id, due.ObjectId);
        Assert.Equal(new DateTimeOffset(open.ExpiresAt, TimeSpan.Zero), h.Emulator.NextDueAt);
        await new Stripe.Checkout.SessionService(h.Client).ExpireAsync(open.Id);
        Assert.Null(h.Emulator.NextDueAt);

        var trial = await h.SubscribeAsync(price: price, configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 3 });
        var renewing = await h.SubscribeAsync(TestCards.FailsOnRenewal, price: price);
        var leaving = await h.SubscribeAsync(price: price);
        await new SubscriptionService(h.Client).UpdateAsync(leaving.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });

        var upcoming = h.Emulator.Upcoming();
        Assert.Equal([(DueWorkKind.TrialEnd, trial.Id), (DueWorkKind.Renewal, renewing.Id), (DueWorkKind.CancelAtPeriodEnd, leaving.Id)], upcoming.Select(w => (w.Kind, w.ObjectId)));
        Assert.Equal(h.Emulator.Clock.UtcNow.AddDays(3), h.Emulator.NextDueAt);

        // Advancing to it does it; the next is the renewal, whose decline schedules a retry three days later.
        h.Emulator.Clock.AdvanceTo(h.Emulator.NextDueAt!.Value);
        Assert.Equal("active", (await new SubscriptionService(h.Client).GetAsync(trial.Id)).Status);
        var renewalAt = h.Emulator.Upcoming().First(w => w.ObjectId == renewing.Id).At;
        h.Emulator.Clock.AdvanceTo(renewalAt);
        var failed = await new InvoiceService(h.Client).GetAsync((await new SubscriptionService(h.Client).GetAsync(renewing.Id)).LatestInvoiceId);
        var retry = Assert.Single(h.Emulator.Upcoming(), w => w.Kind == DueWorkKind.PaymentRetry);
        Assert.Equal(failed.Id, retry.ObjectId);
        Assert.Equal(renewalAt.AddDays(3), retry.At);
        Assert.Null(retry.Account);
    }

    [Fact]
    public async Task RecentEvents_ShowEachEventsDeliveryStateNewestFirst()
    {
        await using var h = await Harness.StartAsync(o => o.WebhookMaxAttempts = 2);
        var accounts = new AccountService(h.Client);
        var account = await accounts.CreateAsync(new AccountCreateOptions { Type = "express" });
        async Task<string> ChangeAsync(string value)
        {
            await accounts.UpdateAsync(account.Id, new AccountUpdateOptions { Metadata = new Dictionary<string, string> { ["n"] = value } });
            return h.Emulator.Events[^1].Id;
        }

        var delivered = await ChangeAsync("1");
        await h.WebhooksIdleAsync();

        h.Receiver.Respond = _ => 500;
        var failed = await ChangeAsync("2");
        await h.WebhooksIdleAsync();

        h.Emulator.Webhooks.Hold();
        var held = await ChangeAsync("3");

        var endpoint = h.Emulator.Webhooks.EndpointUrl;
        h.Emulator.Webhooks.EndpointUrl = null;
        var notSent = await ChangeAsync("4");
        h.Emulator.Webhooks.EndpointUrl = endpoint;

        var recent = h.Emulator.RecentEvents(10);
        Assert.Equal([notSent, held, failed, delivered], recent.Select(r => r.Event.Id));
        Assert.Equal([EventDeliveryState.NotSent, EventDeliveryState.Held, EventDeliveryState.Failed, EventDeliveryState.Delivered], recent.Select(r => r.State));
        var failure = Assert.Single(recent[2].Deliveries);
        Assert.Equal(2, failure.Attempts);
        Assert.Equal(500, failure.LastStatusCode);
        Assert.NotNull(failure.LastAttemptAt);
        Assert.Equal(account.Id, recent[0].Event.ObjectId);
        Assert.Equal("account.updated", recent[0].Event.Type);
        Assert.Equal(h.Emulator.Clock.UtcNow, recent[0].Event.CreatedAt);
        Assert.Equal(2, h.Emulator.RecentEvents(2).Count);

        // Resending a failed event makes a new copy, delivered once the endpoint answers again.
        h.Receiver.Respond = _ => 200;
        Assert.True(h.Emulator.Webhooks.Redeliver(failed));
        await h.WebhooksIdleAsync();
        var resent = h.Emulator.RecentEvents().Single(r => r.Event.Id == failed);
        Assert.Equal(EventDeliveryState.Delivered, resent.State);
        Assert.Equal([1, 2], resent.Deliveries.Select(d => d.Copy));
        Assert.False(h.Emulator.Webhooks.Redeliver("evt_nope"));
    }

    [Fact]
    public async Task RecentEvents_AfterRestart_KeepTheirDeliveryState()
    {
        using var folder = new TempFolder();
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = () => new StripeEmulatorOptions { StateDirectory = folder.Path, FreezeClock = true, WebhookEndpoint = receiver.Url };
        string subscriptionId;
        DateTimeOffset? due;
        await using (var first = await StripeEmulator.StartAsync(options()))
        {
            var client = Harness.NewClient(first);
            var price = await new PriceService(client).CreateAsync(new PriceCreateOptions
            {
                ProductData = new PriceProductDataOptions { Name = "Gold" },
                Currency = "usd",
                UnitAmount = 1000,
                Recurring = new PriceRecurringOptions { Interval = "month" },
            });
            var session = await new Stripe.Checkout.SessionService(client).CreateAsync(new Stripe.Checkout.SessionCreateOptions
            {
                Mode = "subscription",
                CustomerEmail = "fan@example.test",
                LineItems = [new Stripe.Checkout.SessionLineItemOptions { Price = price.Id }],
                SuccessUrl = "https://site.test/done",
            });
            subscriptionId = first.CompleteCheckout(session.Id).SubscriptionId;
            await first.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(10));
            due = first.NextDueAt;
        }

        await using var second = await StripeEmulator.StartAsync(options());
        var recent = second.RecentEvents();
        Assert.Equal(["checkout.session.completed", "invoice.paid", "customer.subscription.created"], recent.Select(r => r.Event.Type));
        Assert.All(recent, r => Assert.Equal(EventDeliveryState.Delivered, r.State));
        Assert.Equal(due, second.NextDueAt);
        Assert.Equal(subscriptionId, Assert.Single(second.Upcoming()).ObjectId);
    }
}
