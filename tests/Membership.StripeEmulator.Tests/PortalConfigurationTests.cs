using System.Net;
using Stripe;
using Stripe.BillingPortal;

namespace Membership.StripeEmulator.Tests;

/// <summary>Billing portal configurations (https://docs.stripe.com/api/customer_portal/configuration) and what the hosted portal offers under them.</summary>
public sealed class PortalConfigurationTests
{
    private static ConfigurationCreateOptions Offering(params (string Product, string[] Prices)[] products) => new()
    {
        Features = new ConfigurationFeaturesOptions
        {
            InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = true },
            PaymentMethodUpdate = new ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = true },
            SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = true, Mode = "at_period_end" },
            SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
            {
                Enabled = true,
                DefaultAllowedUpdates = ["price"],
                ProrationBehavior = "always_invoice",
                Products = products.Select(p => new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = p.Product, Prices = [.. p.Prices] }).ToList(),
            },
        },
    };

    private static Task<Session> PortalAsync(Harness h, string customerId, string? configurationId = null, RequestOptions? requestOptions = null) =>
        new SessionService(h.Client).CreateAsync(new SessionCreateOptions { Customer = customerId, Configuration = configurationId, ReturnUrl = "https://site.test/account" }, requestOptions);

    [Fact]
    public async Task CreateConfiguration_WithEveryFeature_RendersStripesFieldsAndUpdatesAndLists()
    {
        await using var h = await Harness.StartAsync();
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var configurations = new ConfigurationService(h.Client);

        var created = await configurations.CreateAsync(new ConfigurationCreateOptions
        {
            BusinessProfile = new ConfigurationBusinessProfileOptions { Headline = "Creator memberships", PrivacyPolicyUrl = "https://site.test/privacy" },
            DefaultReturnUrl = "https://site.test/account",
            Metadata = new Dictionary<string, string> { ["creator_id"] = "42" },
            Features = new ConfigurationFeaturesOptions
            {
                CustomerUpdate = new ConfigurationFeaturesCustomerUpdateOptions { Enabled = true, AllowedUpdates = ["email", "name"] },
                InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = true },
                PaymentMethodUpdate = new ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = false },
                SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = true, Mode = "immediately", ProrationBehavior = "none" },
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = true,
                    DefaultAllowedUpdates = ["price", "quantity"],
                    ProrationBehavior = "create_prorations",
                    Products = [new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = basic.ProductId, Prices = [basic.Id, premium.Id] }],
                },
            },
        });
        Assert.StartsWith("bpc_", created.Id, StringComparison.Ordinal);
        Assert.Equal("billing_portal.configuration", created.Object);
        Assert.True(created.Active);
        Assert.False(created.IsDefault);
        Assert.False(created.Livemode);
        Assert.Equal("Creator memberships", created.BusinessProfile.Headline);
        Assert.Equal("https://site.test/privacy", created.BusinessProfile.PrivacyPolicyUrl);
        Assert.Equal("https://site.test/account", created.DefaultReturnUrl);
        Assert.Equal(["email", "name"], created.Features.CustomerUpdate.AllowedUpdates);
        Assert.True(created.Features.InvoiceHistory.Enabled);
        Assert.False(created.Features.PaymentMethodUpdate.Enabled);
        Assert.Equal("immediately", created.Features.SubscriptionCancel.Mode);
        Assert.Equal(["price", "quantity"], created.Features.SubscriptionUpdate.DefaultAllowedUpdates);
        Assert.Equal("create_prorations", created.Features.SubscriptionUpdate.ProrationBehavior);
        var offered = Assert.Single(created.Features.SubscriptionUpdate.Products);
        Assert.Equal(basic.ProductId, offered.Product);
        Assert.Equal([basic.Id, premium.Id], offered.Prices);
        Assert.Equal("42", created.Metadata["creator_id"]);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime, created.Created);
        Assert.Equal(created.Created, created.Updated);

        h.Emulator.Clock.Advance(TimeSpan.FromMinutes(5));
        var updated = await configurations.UpdateAsync(created.Id, new ConfigurationUpdateOptions
        {
            Active = false,
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Products = [new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = basic.ProductId, Prices = [premium.Id] }],
                },
            },
        });
        Assert.False(updated.Active);
        Assert.Equal([premium.Id], Assert.Single(updated.Features.SubscriptionUpdate.Products).Prices);
        Assert.Equal("immediately", updated.Features.SubscriptionCancel.Mode); // untouched
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime, updated.Updated);
        Assert.Equal(updated.Updated, (await configurations.GetAsync(created.Id)).Updated);

        var second = await configurations.CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions { SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions { Enabled = true } },
        });
        Assert.Equal("none", second.Features.SubscriptionUpdate.ProrationBehavior); // Stripe's defaults when not given
        Assert.Equal("end_trial", second.Features.SubscriptionUpdate.TrialUpdateBehavior);
        Assert.False(second.Features.InvoiceHistory.Enabled);
        Assert.Equal([second.Id, created.Id], (await configurations.ListAsync()).Data.Select(c => c.Id)); // newest first
        Assert.Equal([second.Id], (await configurations.ListAsync(new ConfigurationListOptions { Active = true })).Data.Select(c => c.Id));
        Assert.Empty((await configurations.ListAsync(new ConfigurationListOptions { IsDefault = true })).Data);
    }

    // https://docs.stripe.com/api/customer_portal/configurations/create — features is required, and each feature given needs enabled.
    [Fact]
    public async Task CreateConfiguration_MissingOrInvalidFeatures_Is400()
    {
        await using var h = await Harness.StartAsync();
        var configurations = new ConfigurationService(h.Client);
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var other = await h.CreateMonthlyPriceAsync(3000, "Other");

        var missing = await Assert.ThrowsAsync<StripeException>(() => configurations.CreateAsync(new ConfigurationCreateOptions { DefaultReturnUrl = "https://site.test/" }));
        Assert.Equal("features", missing.StripeError.Param);
        Assert.Equal("parameter_missing", missing.StripeError.Code);

        var noEnabled = await Assert.ThrowsAsync<StripeException>(() => configurations.CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions { SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Mode = "immediately" } },
        }));
        Assert.Equal("features[subscription_cancel][enabled]", noEnabled.StripeError.Param);

        var wrongProduct = await Assert.ThrowsAsync<StripeException>(() => configurations.CreateAsync(Offering((basic.ProductId, [other.Id]))));
        Assert.Equal("features[subscription_update][products][0][prices]", wrongProduct.StripeError.Param);

        var unknownProduct = await Assert.ThrowsAsync<StripeException>(() => configurations.CreateAsync(Offering((basic.Id, [basic.Id]))));
        Assert.Equal("resource_missing", unknownProduct.StripeError.Code);
        Assert.Equal($"No such product: '{basic.Id}'", unknownProduct.StripeError.Message);

        var badMode = await Assert.ThrowsAsync<StripeException>(() => configurations.CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions { SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = true, Mode = "whenever" } },
        }));
        Assert.Equal("features[subscription_cancel][mode]", badMode.StripeError.Param);
        Assert.Empty(h.Emulator.ObjectIds("billing_portal.configuration"));
    }

    [Fact]
    public async Task CreatePortalSession_WithConfiguration_OffersExactlyItsPricesWithItsProration()
    {
        await using var h = await Harness.StartAsync(o => o.PortalProductFamilyMetadataKey = "creator_id");
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var unlisted = await h.CreateMonthlyPriceAsync(1500, productId: basic.ProductId);
        var otherTier = await h.CreateMonthlyPriceAsync(3000, "Gold");
        var sub = await h.SubscribeAsync(price: basic);
        var config = await new ConfigurationService(h.Client).CreateAsync(Offering((basic.ProductId, [basic.Id, premium.Id]), (otherTier.ProductId, [otherTier.Id])));

        var portal = await PortalAsync(h, sub.CustomerId, config.Id);
        Assert.Equal(config.Id, portal.ConfigurationId);
        Assert.Equal([premium.Id, otherTier.Id], h.Emulator.PortalPlanChoices(sub.Id, portal.Id));
        var page = await h.Pages.GetStringAsync(portal.Url);
        Assert.Contains(otherTier.Id, page, StringComparison.Ordinal);
        Assert.DoesNotContain(unlisted.Id, page, StringComparison.Ordinal);

        using (var notOffered = await h.Pages.PostAsync(portal.Url + "/update", new FormUrlEncodedContent(new Dictionary<string, string> { ["subscription"] = sub.Id, ["price"] = unlisted.Id })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notOffered.StatusCode);
        }

        using (var changed = await h.Pages.PostAsync(portal.Url + "/update", new FormUrlEncodedContent(new Dictionary<string, string> { ["subscription"] = sub.Id, ["price"] = otherTier.Id })))
        {
            Assert.Equal(HttpStatusCode.SeeOther, changed.StatusCode);
        }

        var now = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal(otherTier.Id, now.Items.Data[0].Price.Id);
        Assert.Equal("subscription_update", (await new InvoiceService(h.Client).GetAsync(now.LatestInvoiceId)).BillingReason); // always_invoice, from the configuration

        // A subscription whose product the configuration does not list cannot be changed there.
        var outsider = await h.SubscribeAsync(price: unlisted);
        var elsewhere = await h.CreateMonthlyPriceAsync(900, "Elsewhere");
        var stranger = await h.SubscribeAsync(price: elsewhere);
        Assert.NotEmpty(h.Emulator.PortalPlanChoices(outsider.Id, portal.Id));
        Assert.Empty(h.Emulator.PortalPlanChoices(stranger.Id, (await PortalAsync(h, stranger.CustomerId, config.Id)).Id));
    }

    [Fact]
    public async Task CreatePortalSession_ConfigurationWithFeaturesOff_OffersNoneOfThem()
    {
        await using var h = await Harness.StartAsync();
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var sub = await h.SubscribeAsync(price: basic);
        var config = await new ConfigurationService(h.Client).CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                CustomerUpdate = new ConfigurationFeaturesCustomerUpdateOptions { Enabled = true, AllowedUpdates = ["email"] },
                InvoiceHistory = new ConfigurationFeaturesInvoiceHistoryOptions { Enabled = true },
                PaymentMethodUpdate = new ConfigurationFeaturesPaymentMethodUpdateOptions { Enabled = false },
                SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = false },
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Enabled = false,
                    DefaultAllowedUpdates = ["price"],
                    Products = [new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = basic.ProductId, Prices = [basic.Id, premium.Id] }],
                },
            },
        });
        var portal = await PortalAsync(h, sub.CustomerId, config.Id);
        Assert.Empty(h.Emulator.PortalPlanChoices(sub.Id, portal.Id));

        var page = await h.Pages.GetStringAsync(portal.Url);
        Assert.DoesNotContain("cancel-" + sub.Id, page, StringComparison.Ordinal);
        Assert.DoesNotContain("card_number", page, StringComparison.Ordinal);
        Assert.DoesNotContain(premium.Id, page, StringComparison.Ordinal);
        Assert.Contains("invoice-history", page, StringComparison.Ordinal);
        Assert.Contains(sub.LatestInvoiceId, page, StringComparison.Ordinal);

        async Task<HttpStatusCode> PostAsync(string action, Dictionary<string, string> form)
        {
            using var response = await h.Pages.PostAsync($"{portal.Url}/{action}", new FormUrlEncodedContent(form));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync("cancel", new() { ["subscription"] = sub.Id }));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync("payment-method", new() { ["card_number"] = TestCards.SuccessMastercard }));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync("update", new() { ["subscription"] = sub.Id, ["price"] = premium.Id }));
        Assert.False((await new SubscriptionService(h.Client).GetAsync(sub.Id)).CancelAtPeriodEnd);

        // customer_update with allowed_updates [email]: the email can change.
        Assert.Equal(HttpStatusCode.SeeOther, await PostAsync("customer", new() { ["email"] = "new@example.test" }));
        Assert.Equal("new@example.test", (await new CustomerService(h.Client).GetAsync(sub.CustomerId)).Email);
    }

    [Fact]
    public async Task PortalCancel_ConfigurationModeImmediately_CancelsAtOnce()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var config = await new ConfigurationService(h.Client).CreateAsync(new ConfigurationCreateOptions
        {
            Features = new ConfigurationFeaturesOptions { SubscriptionCancel = new ConfigurationFeaturesSubscriptionCancelOptions { Enabled = true, Mode = "immediately" } },
        });
        var portal = await PortalAsync(h, sub.CustomerId, config.Id);
        Assert.Contains("Cancel plan now", await h.Pages.GetStringAsync(portal.Url), StringComparison.Ordinal);
        using var canceled = await h.Pages.PostAsync(portal.Url + "/cancel", new FormUrlEncodedContent(new Dictionary<string, string> { ["subscription"] = sub.Id }));
        Assert.Equal(HttpStatusCode.SeeOther, canceled.StatusCode);

        var ended = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("canceled", ended.Status);
        Assert.Equal("cancellation_requested", ended.CancellationDetails.Reason);
        Assert.Equal("customer.subscription.deleted", (await h.VerifiedEventsAsync())[^1].Type);
    }

    // https://docs.stripe.com/api/customer_portal/sessions/create#create_portal_session-configuration — "If not
    // specified, the session uses the default configuration."
    [Fact]
    public async Task CreatePortalSession_WithoutConfiguration_UsesTheDefaultWhoseProductsThenDecide()
    {
        await using var h = await Harness.StartAsync(o => o.PortalProductFamilyMetadataKey = "creator_id");
        var products = new ProductService(h.Client);
        var bronze = await products.CreateAsync(new ProductCreateOptions { Name = "Bronze", Metadata = new Dictionary<string, string> { ["creator_id"] = "42" } });
        var gold = await products.CreateAsync(new ProductCreateOptions { Name = "Gold", Metadata = new Dictionary<string, string> { ["creator_id"] = "42" } });
        var bronzePrice = await h.CreateMonthlyPriceAsync(500, productId: bronze.Id);
        var goldPrice = await h.CreateMonthlyPriceAsync(1500, productId: gold.Id);
        var sub = await h.SubscribeAsync(price: bronzePrice);

        var first = await PortalAsync(h, sub.CustomerId);
        var second = await PortalAsync(h, sub.CustomerId);
        Assert.Equal(first.ConfigurationId, second.ConfigurationId);
        var configurations = new ConfigurationService(h.Client);
        var made = Assert.Single((await configurations.ListAsync(new ConfigurationListOptions { IsDefault = true })).Data);
        Assert.Equal(first.ConfigurationId, made.Id);
        Assert.True(made.Features.SubscriptionUpdate.Enabled);
        Assert.Empty(made.Features.SubscriptionUpdate.Products);

        // No products on the default: the family key still widens the choices (back-compat).
        Assert.Equal([goldPrice.Id], h.Emulator.PortalPlanChoices(sub.Id, first.Id));
        Assert.Equal([goldPrice.Id], h.Emulator.PortalPlanChoices(sub.Id));

        // Once the default lists products, exactly those are offered and the family key no longer applies.
        var silver = await h.CreateMonthlyPriceAsync(900, productId: bronze.Id);
        await configurations.UpdateAsync(made.Id, new ConfigurationUpdateOptions
        {
            Features = new ConfigurationFeaturesOptions
            {
                SubscriptionUpdate = new ConfigurationFeaturesSubscriptionUpdateOptions
                {
                    Products = [new ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = bronze.Id, Prices = [bronzePrice.Id, silver.Id] }],
                },
            },
        });
        Assert.Equal([silver.Id], h.Emulator.PortalPlanChoices(sub.Id, first.Id));

        var deactivate = await Assert.ThrowsAsync<StripeException>(() => configurations.UpdateAsync(made.Id, new ConfigurationUpdateOptions { Active = false }));
        Assert.Equal("active", deactivate.StripeError.Param);

        // The session's configuration can be expanded.
        var expanded = await new SessionService(h.Client).CreateAsync(new SessionCreateOptions { Customer = sub.CustomerId, Expand = ["configuration"] });
        Assert.True(expanded.Configuration.IsDefault);
    }

    [Fact]
    public async Task CreatePortalSession_UnknownOrInactiveConfiguration_Is400()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var unknown = await Assert.ThrowsAsync<StripeException>(() => PortalAsync(h, sub.CustomerId, "bpc_nope"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.HttpStatusCode);
        Assert.Equal("resource_missing", unknown.StripeError.Code);
        Assert.Equal("configuration", unknown.StripeError.Param);

        var configurations = new ConfigurationService(h.Client);
        var config = await configurations.CreateAsync(Offering());
        await configurations.UpdateAsync(config.Id, new ConfigurationUpdateOptions { Active = false });
        var inactive = await Assert.ThrowsAsync<StripeException>(() => PortalAsync(h, sub.CustomerId, config.Id));
        Assert.Equal("configuration", inactive.StripeError.Param);
    }

    [Fact]
    public async Task CreateConfiguration_OnAConnectedAccount_LivesOnThatAccount()
    {
        await using var h = await Harness.StartAsync();
        var account = await new AccountService(h.Client).CreateAsync(new AccountCreateOptions { Type = "express" });
        h.Emulator.CompleteOnboarding(account.Id);
        var onAccount = new RequestOptions { StripeAccount = account.Id };
        var configurations = new ConfigurationService(h.Client);

        var config = await configurations.CreateAsync(Offering(), onAccount);
        Assert.Equal(config.Id, (await configurations.GetAsync(config.Id, null, onAccount)).Id);
        var hidden = await Assert.ThrowsAsync<StripeException>(() => configurations.GetAsync(config.Id));
        Assert.Equal(HttpStatusCode.NotFound, hidden.HttpStatusCode);
        Assert.Empty((await configurations.ListAsync()).Data);

        var customer = await new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions { Email = "fan@example.test" }, onAccount);
        var platformSide = await Assert.ThrowsAsync<StripeException>(() => PortalAsync(h, customer.Id, config.Id));
        Assert.Equal(HttpStatusCode.BadRequest, platformSide.HttpStatusCode); // the customer (and the configuration) are not the platform's
        var portal = await PortalAsync(h, customer.Id, config.Id, onAccount);
        Assert.Equal(config.Id, portal.ConfigurationId);
    }
}
