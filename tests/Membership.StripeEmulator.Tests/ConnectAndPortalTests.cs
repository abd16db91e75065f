using System.Net;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class ConnectAndPortalTests
{
    private static Task<Account> CreateExpressAsync(Harness h) =>
        new AccountService(h.Client).CreateAsync(new AccountCreateOptions
        {
            Type = "express",
            Email = "creator@example.test",
            Capabilities = new AccountCapabilitiesOptions
            {
                CardPayments = new AccountCapabilitiesCardPaymentsOptions { Requested = true },
                Transfers = new AccountCapabilitiesTransfersOptions { Requested = true },
            },
            Metadata = new Dictionary<string, string> { ["creator_id"] = "42" },
        });

    private static async Task OnboardAsync(Harness h, string accountId)
    {
        var link = await new AccountLinkService(h.Client).CreateAsync(new AccountLinkCreateOptions
        {
            Account = accountId,
            RefreshUrl = "https://site.test/connect/refresh",
            ReturnUrl = "https://site.test/connect/return",
            Type = "account_onboarding",
        });
        using var done = await h.Pages.PostAsync(link.Url, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
    }

    [Fact]
    public async Task Express_onboarding_enables_charges_and_sends_account_updated()
    {
        await using var h = await Harness.StartAsync();
        var account = await CreateExpressAsync(h);
        Assert.StartsWith("acct_", account.Id, StringComparison.Ordinal);
        Assert.Equal("express", account.Type);
        Assert.False(account.ChargesEnabled);
        Assert.False(account.PayoutsEnabled);
        Assert.NotEmpty(account.Requirements.CurrentlyDue);
        Assert.Equal("inactive", account.Capabilities.CardPayments);

        var link = await new AccountLinkService(h.Client).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account.Id,
            RefreshUrl = "https://site.test/connect/refresh",
            ReturnUrl = "https://site.test/connect/return",
            Type = "account_onboarding",
        });
        Assert.Equal("account_link", link.Object);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime.AddMinutes(5), link.ExpiresAt);
        var page = await h.Pages.GetStringAsync(link.Url);
        Assert.Contains("Complete onboarding", page, StringComparison.Ordinal);
        Assert.Contains(account.Id, page, StringComparison.Ordinal);

        using var done = await h.Pages.PostAsync(link.Url, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal("https://site.test/connect/return", done.Headers.Location!.ToString());

        account = await new AccountService(h.Client).GetAsync(account.Id);
        Assert.True(account.ChargesEnabled);
        Assert.True(account.PayoutsEnabled);
        Assert.True(account.DetailsSubmitted);
        Assert.Empty(account.Requirements.CurrentlyDue);
        Assert.Equal("active", account.Capabilities.Transfers);

        var ev = Assert.Single(await h.VerifiedEventsAsync());
        Assert.Equal("account.updated", ev.Type);
        Assert.Equal(account.Id, ev.Account);
        Assert.True(((Account)ev.Data.Object).ChargesEnabled);
        Assert.Equal("False", ev.Data.PreviousAttributes["charges_enabled"]?.ToString(), ignoreCase: true);

        // A used (or expired) link sends the user to refresh_url, like Stripe.
        using var reused = await h.Pages.GetAsync(link.Url);
        Assert.Equal("https://site.test/connect/refresh", reused.Headers.Location!.ToString());
        var fresh = await new AccountLinkService(h.Client).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account.Id,
            RefreshUrl = "https://site.test/connect/refresh",
            ReturnUrl = "https://site.test/connect/return",
            Type = "account_onboarding",
        });
        h.Emulator.Clock.Advance(TimeSpan.FromMinutes(6));
        using var expired = await h.Pages.GetAsync(fresh.Url);
        Assert.Equal("https://site.test/connect/refresh", expired.Headers.Location!.ToString());
    }

    // Account links expire a few minutes after creation (https://docs.stripe.com/api/account_links/object#account_link_object-expires_at);
    // the emulator counts those minutes on its own clock, so a link made after the clock moved is fresh.
    [Fact]
    public async Task CreateAccountLink_AfterTheClockMovedAMonth_IsUsableThenExpiresOnTheEmulatorTimeline()
    {
        await using var h = await Harness.StartAsync();
        var account = await CreateExpressAsync(h);
        h.Emulator.Clock.Advance(TimeSpan.FromDays(31));
        var links = new AccountLinkService(h.Client);
        var options = new AccountLinkCreateOptions
        {
            Account = account.Id,
            RefreshUrl = "https://site.test/connect/refresh",
            ReturnUrl = "https://site.test/connect/return",
            Type = "account_onboarding",
        };

        var fresh = await links.CreateAsync(options);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime.AddMinutes(5), fresh.ExpiresAt);
        using (var page = await h.Pages.GetAsync(fresh.Url))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        var stale = await links.CreateAsync(options);
        h.Emulator.Clock.Advance(TimeSpan.FromMinutes(6));
        using var expired = await h.Pages.GetAsync(stale.Url);
        Assert.Equal("https://site.test/connect/refresh", expired.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Destination_charges_need_an_onboarded_account_and_carry_the_application_fee()
    {
        await using var h = await Harness.StartAsync();
        var account = await CreateExpressAsync(h);
        var price = await h.CreateMonthlyPriceAsync(1000);
        void Destination(Stripe.Checkout.SessionCreateOptions o) => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions
        {
            ApplicationFeePercent = 10,
            TransferData = new Stripe.Checkout.SessionSubscriptionDataTransferDataOptions { Destination = account.Id },
        };

        var notReady = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, Destination));
        Assert.Equal("subscription_data[transfer_data][destination]", notReady.StripeError.Param);

        await OnboardAsync(h, account.Id);
        var sub = await h.SubscribeAsync(price: price, configure: Destination);
        Assert.Equal(10m, sub.ApplicationFeePercent);
        Assert.Equal(account.Id, sub.TransferData.DestinationId);
        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions { Expand = ["payments.data.payment.payment_intent"] });
        var charge = await new ChargeService(h.Client).GetAsync(invoice.Payments.Data[0].Payment.PaymentIntent.LatestChargeId);
        Assert.Equal(100, charge.ApplicationFeeAmount);
        Assert.Equal(account.Id, charge.TransferData.DestinationId);
    }

    [Fact]
    public async Task Stripe_account_header_scopes_objects_and_events_to_the_connected_account()
    {
        await using var h = await Harness.StartAsync();
        var account = await CreateExpressAsync(h);
        var onAccount = new RequestOptions { StripeAccount = account.Id };
        var price = await h.CreateMonthlyPriceAsync(800, "Creator tier", onAccount);

        var hidden = await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).GetAsync(price.Id));
        Assert.Equal(HttpStatusCode.NotFound, hidden.HttpStatusCode);
        Assert.Equal(price.Id, (await new PriceService(h.Client).GetAsync(price.Id, null, onAccount)).Id);
        Assert.Empty((await new PriceService(h.Client).ListAsync()).Data);
        Assert.Single((await new PriceService(h.Client).ListAsync(null, onAccount)).Data);

        var self = await new AccountService(h.Client).GetSelfAsync(onAccount);
        Assert.Equal(account.Id, self.Id);
        Assert.Equal(h.Emulator.PlatformAccountId, (await new AccountService(h.Client).GetSelfAsync()).Id);

        var unknown = await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).ListAsync(null, new RequestOptions { StripeAccount = "acct_nope" }));
        Assert.Equal(HttpStatusCode.Forbidden, unknown.HttpStatusCode);

        var notOnboarded = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, null, onAccount));
        Assert.Equal(HttpStatusCode.BadRequest, notOnboarded.HttpStatusCode);

        await OnboardAsync(h, account.Id);
        var session = await h.CreateCheckoutAsync(price.Id, o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { ApplicationFeePercent = 5 }, onAccount);
        using var paid = await h.PayAsync(session.Url, TestCards.Success);
        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
        session = await new Stripe.Checkout.SessionService(h.Client).GetAsync(session.Id, null, onAccount);
        await Assert.ThrowsAsync<StripeException>(() => new SubscriptionService(h.Client).GetAsync(session.SubscriptionId));
        var sub = await new SubscriptionService(h.Client).GetAsync(session.SubscriptionId, null, onAccount);
        Assert.Equal("active", sub.Status);

        var events = await h.VerifiedEventsAsync();
        var checkoutEvents = events.Where(e => e.Type != "account.updated").ToList();
        Assert.Equal(3, checkoutEvents.Count);
        Assert.All(checkoutEvents, e => Assert.Equal(account.Id, e.Account));
        Assert.Equal(3, (await new EventService(h.Client).ListAsync(new EventListOptions { Type = "*" }, onAccount)).Data.Count(e => e.Type != "account.updated"));
        Assert.DoesNotContain((await new EventService(h.Client).ListAsync()).Data, e => e.Type.StartsWith("invoice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Billing_portal_changes_plan_cancels_resumes_and_updates_the_card()
    {
        await using var h = await Harness.StartAsync(o => o.PortalProrationBehavior = "always_invoice");
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var unrelated = await h.CreateMonthlyPriceAsync(5000, "Other creator");
        var sub = await h.SubscribeAsync(price: basic);
        Assert.Equal([premium.Id], h.Emulator.PortalPlanChoices(sub.Id));
        Assert.DoesNotContain(unrelated.Id, h.Emulator.PortalPlanChoices(sub.Id));

        var portal = await new Stripe.BillingPortal.SessionService(h.Client).CreateAsync(new Stripe.BillingPortal.SessionCreateOptions
        {
            Customer = sub.CustomerId,
            ReturnUrl = "https://site.test/account",
        });
        Assert.StartsWith("bps_", portal.Id, StringComparison.Ordinal);
        Assert.StartsWith(h.Emulator.ApiBase + "/p/session/", portal.Url, StringComparison.Ordinal);
        var page = await h.Pages.GetStringAsync(portal.Url);
        Assert.Contains(sub.Id, page, StringComparison.Ordinal);
        Assert.Contains(premium.Id, page, StringComparison.Ordinal);

        async Task<HttpResponseMessage> Act(string action, Dictionary<string, string> form) =>
            await h.Pages.PostAsync($"{portal.Url}/{action}", new FormUrlEncodedContent(form));

        using (var changed = await Act("update", new() { ["subscription"] = sub.Id, ["price"] = premium.Id }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, changed.StatusCode);
            Assert.Equal("https://site.test/account", changed.Headers.Location!.ToString());
        }

        var subs = new SubscriptionService(h.Client);
        var now = await subs.GetAsync(sub.Id);
        Assert.Equal(premium.Id, now.Items.Data[0].Price.Id);
        Assert.Equal("subscription_update", (await new InvoiceService(h.Client).GetAsync(now.LatestInvoiceId)).BillingReason);

        using (var notOffered = await Act("update", new() { ["subscription"] = sub.Id, ["price"] = unrelated.Id }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notOffered.StatusCode);
        }

        using (await Act("cancel", new() { ["subscription"] = sub.Id }))
        {
            Assert.True((await subs.GetAsync(sub.Id)).CancelAtPeriodEnd);
        }

        using (await Act("resume", new() { ["subscription"] = sub.Id }))
        {
            Assert.False((await subs.GetAsync(sub.Id)).CancelAtPeriodEnd);
        }

        using (var declined = await Act("payment-method", new() { ["card_number"] = TestCards.Declined }))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
            Assert.Contains("declined", await declined.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var before = (await subs.GetAsync(sub.Id)).DefaultPaymentMethodId;
        using (var card = await Act("payment-method", new() { ["card_number"] = TestCards.SuccessMastercard }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, card.StatusCode);
        }

        var after = await subs.GetAsync(sub.Id);
        Assert.NotEqual(before, after.DefaultPaymentMethodId);
        Assert.Equal("4444", (await new PaymentMethodService(h.Client).GetAsync(after.DefaultPaymentMethodId)).Card.Last4);
    }

    [Fact]
    public async Task Portal_plan_choices_can_span_a_product_family()
    {
        await using var h = await Harness.StartAsync(o => o.PortalProductFamilyMetadataKey = "creator_id");
        var products = new ProductService(h.Client);
        var bronze = await products.CreateAsync(new ProductCreateOptions { Name = "Bronze", Metadata = new Dictionary<string, string> { ["creator_id"] = "42" } });
        var gold = await products.CreateAsync(new ProductCreateOptions { Name = "Gold", Metadata = new Dictionary<string, string> { ["creator_id"] = "42" } });
        var other = await products.CreateAsync(new ProductCreateOptions { Name = "Other", Metadata = new Dictionary<string, string> { ["creator_id"] = "7" } });
        var bronzePrice = await h.CreateMonthlyPriceAsync(500, productId: bronze.Id);
        var goldPrice = await h.CreateMonthlyPriceAsync(1500, productId: gold.Id);
        var goldYearly = await h.CreateMonthlyPriceAsync(15000, productId: gold.Id, interval: "year");
        await h.CreateMonthlyPriceAsync(900, productId: other.Id);
        var sub = await h.SubscribeAsync(price: bronzePrice);
        Assert.Equal([goldPrice.Id, goldYearly.Id], h.Emulator.PortalPlanChoices(sub.Id));

        // Switching to a yearly price restarts the billing cycle and invoices at once.
        var yearly = await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = sub.Items.Data[0].Id, Price = goldYearly.Id }],
        });
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime.AddYears(1), yearly.Items.Data[0].CurrentPeriodEnd);
        var invoice = await new InvoiceService(h.Client).GetAsync(yearly.LatestInvoiceId);
        Assert.Equal(15000 - 500, invoice.AmountPaid); // unused month credited (none used yet)
    }
}
