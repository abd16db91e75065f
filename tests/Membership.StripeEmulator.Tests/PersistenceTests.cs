using System.Net;
using System.Net.Sockets;
using Stripe;

namespace Membership.StripeEmulator.Tests;

/// <summary>A temporary folder for one test's state file, removed afterwards (kept when KEEP_EMULATOR_STATE is set, to look at the file).</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stripe-emulator-tests", Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("KEEP_EMULATOR_STATE") is not null)
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

public sealed class PersistenceTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private static Task<StripeEmulator> StartAsync(string folder, Uri? endpoint, Action<StripeEmulatorOptions>? configure = null)
    {
        var options = new StripeEmulatorOptions
        {
            StateDirectory = folder,
            FreezeClock = true,
            StartTime = Start,
            WebhookEndpoint = endpoint,
            WebhookRetryInitialDelay = TimeSpan.FromMilliseconds(20),
            WebhookRetryMaxDelay = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(options);
        return StripeEmulator.StartAsync(options);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task StartAsync_SameStateDirectory_RestoresObjectsClockSecretAndOpenCheckout()
    {
        using var folder = new TempFolder();
        await using var receiver = await WebhookReceiver.StartAsync();
        string customerId, productId, priceId, sessionId, configurationId, platform, secret;
        DateTimeOffset clockBefore;
        await using (var first = await StartAsync(folder.Path, receiver.Url))
        {
            var client = Harness.NewClient(first);
            var customer = await new CustomerService(client).CreateAsync(
                new CustomerCreateOptions { Email = "fan@example.test", Metadata = new Dictionary<string, string> { ["user_id"] = "u1" } },
                new RequestOptions { IdempotencyKey = "customer-u1" });
            var product = await new ProductService(client).CreateAsync(new ProductCreateOptions { Name = "Gold tier" });
            var price = await new PriceService(client).CreateAsync(new PriceCreateOptions
            {
                Product = product.Id,
                Currency = "usd",
                UnitAmount = 1500,
                Recurring = new PriceRecurringOptions { Interval = "month" },
            });
            var created = await new Stripe.Checkout.SessionService(client).CreateAsync(new Stripe.Checkout.SessionCreateOptions
            {
                Mode = "subscription",
                Customer = customer.Id,
                LineItems = [new Stripe.Checkout.SessionLineItemOptions { Price = price.Id, Quantity = 1 }],
                SuccessUrl = "https://site.test/done?session_id={CHECKOUT_SESSION_ID}",
            });
            var portal = await new Stripe.BillingPortal.ConfigurationService(client).CreateAsync(new Stripe.BillingPortal.ConfigurationCreateOptions
            {
                Features = new Stripe.BillingPortal.ConfigurationFeaturesOptions
                {
                    SubscriptionUpdate = new Stripe.BillingPortal.ConfigurationFeaturesSubscriptionUpdateOptions
                    {
                        Enabled = true,
                        DefaultAllowedUpdates = ["price"],
                        Products = [new Stripe.BillingPortal.ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = product.Id, Prices = [price.Id] }],
                    },
                },
            });
            first.Clock.Advance(TimeSpan.FromHours(2));
            (customerId, productId, priceId, sessionId, configurationId) = (customer.Id, product.Id, price.Id, created.Id, portal.Id);
            (platform, secret, clockBefore) = (first.PlatformAccountId, first.Webhooks.Secret, first.Clock.UtcNow);
            Assert.True(System.IO.File.Exists(first.StateFile));
        }

        await using var second = await StartAsync(folder.Path, receiver.Url);
        var again = Harness.NewClient(second);
        Assert.Equal(platform, second.PlatformAccountId);
        Assert.Equal(secret, second.Webhooks.Secret);
        Assert.Equal(clockBefore, second.Clock.UtcNow);
        Assert.Equal("u1", (await new CustomerService(again).GetAsync(customerId)).Metadata["user_id"]);
        Assert.Equal("Gold tier", (await new ProductService(again).GetAsync(productId)).Name);
        Assert.Equal(1500, (await new PriceService(again).GetAsync(priceId)).UnitAmount);
        var configuration = await new Stripe.BillingPortal.ConfigurationService(again).GetAsync(configurationId);
        Assert.Equal([priceId], Assert.Single(configuration.Features.SubscriptionUpdate.Products).Prices);

        // The idempotent result survives: the same key replays the first answer.
        var replayed = await new CustomerService(again).CreateAsync(
            new CustomerCreateOptions { Email = "fan@example.test", Metadata = new Dictionary<string, string> { ["user_id"] = "u1" } },
            new RequestOptions { IdempotencyKey = "customer-u1" });
        Assert.Equal(customerId, replayed.Id);
        Assert.Single(second.ObjectIds("customer"));

        // The id sequence goes on: a new object lists before the old ones.
        var newer = await new ProductService(again).CreateAsync(new ProductCreateOptions { Name = "Silver tier" });
        Assert.Equal([newer.Id, productId], (await new ProductService(again).ListAsync()).Data.Select(p => p.Id));

        // The open Checkout's URL is on the new address and can be paid there.
        var session = await new Stripe.Checkout.SessionService(again).GetAsync(sessionId);
        Assert.Equal("open", session.Status);
        Assert.StartsWith(second.ApiBase + "/c/pay/", session.Url, StringComparison.Ordinal);
        using var pages = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var paid = await pages.PostAsync(session.Url, new FormUrlEncodedContent(new Dictionary<string, string> { ["card_number"] = TestCards.Success }));
        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);

        await second.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(10));
        var events = receiver.Received.Select(r => r.Verify(secret)).ToList();
        Assert.Equal(["customer.subscription.created", "invoice.paid", "checkout.session.completed"], events.Select(e => e.Type));
        Assert.Equal(sessionId, ((Stripe.Checkout.Session)events[2].Data.Object).Id);
    }

    [Fact]
    public async Task StartAsync_SameStateDirectory_DeliversAWebhookQueuedWhileTheEndpointWasDown()
    {
        using var folder = new TempFolder();
        string eventId;
        await using (var first = await StartAsync(folder.Path, new Uri($"http://127.0.0.1:{ClosedPort()}/hooks"), o => o.WebhookMaxAttempts = 1000))
        {
            var client = Harness.NewClient(first);
            var account = await new AccountService(client).CreateAsync(new AccountCreateOptions { Type = "express" });
            await new AccountService(client).UpdateAsync(account.Id, new AccountUpdateOptions { Metadata = new Dictionary<string, string> { ["creator_id"] = "42" } });
            eventId = Assert.Single(first.Events).Id;
            await Wait.UntilAsync(() => first.Webhooks.Attempts.Count >= 2, "two failed delivery attempts");
            Assert.Equal(WebhookDeliveryStatus.Pending, Assert.Single(first.Webhooks.Deliveries).Status);
        }

        await using var receiver = await WebhookReceiver.StartAsync();
        await using var second = await StartAsync(folder.Path, receiver.Url);
        await second.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(10));
        var delivered = Assert.Single(receiver.Received);
        Assert.Equal(eventId, delivered.Verify(second.Webhooks.Secret).Id);
        var delivery = Assert.Single(second.Webhooks.Deliveries);
        Assert.Equal(WebhookDeliveryStatus.Delivered, delivery.Status);
        Assert.True(delivery.Attempts >= 3, $"attempts before and after the restart ({delivery.Attempts})");
        Assert.Equal(eventId, Assert.Single(second.Events).Id);
        Assert.Contains(second.Webhooks.Attempts, a => !a.Succeeded);
    }

    [Fact]
    public async Task StartAsync_SameStateDirectory_KeepsHeldEventsHeld()
    {
        using var folder = new TempFolder();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var first = await StartAsync(folder.Path, receiver.Url))
        {
            first.Webhooks.Hold();
            var account = await new AccountService(Harness.NewClient(first)).CreateAsync(new AccountCreateOptions { Type = "express" });
            first.CompleteOnboarding(account.Id);
            Assert.Single(first.Webhooks.Held);
        }

        await using var second = await StartAsync(folder.Path, receiver.Url);
        Assert.True(second.Webhooks.IsHolding);
        var held = Assert.Single(second.Webhooks.Held);
        Assert.Equal("account.updated", held.Type);
        second.Webhooks.Release(WebhookReleaseOrder.AsHappened);
        await second.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(held.Id, Assert.Single(receiver.Received).EventId);
    }

    [Fact]
    public async Task StartAsync_SameStateDirectory_KeepsARunningClocksAdvanceAndPendingRenewals()
    {
        using var folder = new TempFolder();
        string subscriptionId;
        DateTimeOffset expected;
        await using (var first = await StartAsync(folder.Path, null, o => o.FreezeClock = false))
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
            first.Clock.Advance(TimeSpan.FromDays(10));
            expected = first.Clock.UtcNow; // the start time plus the advance, still running
        }

        await using var second = await StartAsync(folder.Path, null, o => o.FreezeClock = false);
        Assert.False(second.Clock.IsFrozen);
        Assert.InRange(second.Clock.UtcNow, expected.AddSeconds(-1), expected.AddMinutes(1));
        second.Clock.Advance(TimeSpan.FromDays(21));
        var sub = await new SubscriptionService(Harness.NewClient(second)).GetAsync(subscriptionId);
        Assert.Equal(2, (await new InvoiceService(Harness.NewClient(second)).ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data.Count);
    }

    [Fact]
    public async Task StartAsync_UnreadableStateFile_ThrowsNamingTheFile()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        var file = System.IO.Path.Combine(folder.Path, "stripe-emulator-state.json");
        await System.IO.File.WriteAllTextAsync(file, "{ not json");
        var broken = await Assert.ThrowsAsync<InvalidDataException>(() => StartAsync(folder.Path, null));
        Assert.Contains(file, broken.Message, StringComparison.Ordinal);

        await System.IO.File.WriteAllTextAsync(file, "{\"schema_version\": 99}");
        var newer = await Assert.ThrowsAsync<InvalidDataException>(() => StartAsync(folder.Path, null));
        Assert.Contains("schema version 99", newer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_StateDirectoryInUse_Throws()
    {
        using var folder = new TempFolder();
        await using var first = await StartAsync(folder.Path, null);
        var ex = await Assert.ThrowsAsync<IOException>(() => StartAsync(folder.Path, null));
        Assert.Contains("in use by another emulator", ex.Message, StringComparison.Ordinal);
    }
}
