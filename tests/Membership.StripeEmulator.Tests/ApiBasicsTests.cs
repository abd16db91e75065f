using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Membership.StripeEmulator.Internal;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class ApiBasicsTests
{
    [Fact]
    public async Task Products_and_prices_round_trip_with_prefixed_ids()
    {
        await using var h = await Harness.StartAsync();
        var products = new ProductService(h.Client);
        var prices = new PriceService(h.Client);

        var product = await products.CreateAsync(new ProductCreateOptions
        {
            Name = "Gold tier",
            Description = "Monthly posts",
            Metadata = new Dictionary<string, string> { ["creator_id"] = "42" },
        });
        Assert.StartsWith("prod_", product.Id, StringComparison.Ordinal);
        Assert.Equal("product", product.Object);
        Assert.True(product.Active);
        Assert.False(product.Livemode);
        Assert.Equal("42", product.Metadata["creator_id"]);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime, product.Created);

        var fetched = await products.GetAsync(product.Id);
        Assert.Equal("Gold tier", fetched.Name);
        var updated = await products.UpdateAsync(product.Id, new ProductUpdateOptions { Name = "Platinum", Metadata = new Dictionary<string, string> { ["creator_id"] = "" } });
        Assert.Equal("Platinum", updated.Name);
        Assert.Empty(updated.Metadata);

        var monthly = await prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            UnitAmount = 500,
            Recurring = new PriceRecurringOptions { Interval = "month" },
        });
        var yearly = await prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            UnitAmount = 5000,
            Recurring = new PriceRecurringOptions { Interval = "year" },
        });
        Assert.StartsWith("price_", monthly.Id, StringComparison.Ordinal);
        Assert.Equal("recurring", monthly.Type);
        Assert.Equal("month", monthly.Recurring.Interval);
        Assert.Equal(1, monthly.Recurring.IntervalCount);
        Assert.Equal(500m, monthly.UnitAmountDecimal);
        Assert.Equal(product.Id, monthly.ProductId);

        var archived = await prices.UpdateAsync(monthly.Id, new PriceUpdateOptions { Active = false });
        Assert.False(archived.Active);

        var list = await prices.ListAsync(new PriceListOptions { Product = product.Id });
        Assert.Equal("list", list.Object);
        Assert.Equal([yearly.Id, monthly.Id], list.Data.Select(p => p.Id)); // newest first
        Assert.False(list.HasMore);
        var active = await prices.ListAsync(new PriceListOptions { Product = product.Id, Active = true });
        Assert.Equal([yearly.Id], active.Data.Select(p => p.Id));

        var page = await products.ListAsync(new ProductListOptions { Limit = 1 });
        Assert.Single(page.Data);
    }

    [Fact]
    public async Task Customers_round_trip()
    {
        await using var h = await Harness.StartAsync();
        var customers = new CustomerService(h.Client);
        var created = await customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "fan@example.test",
            Name = "Fan",
            Metadata = new Dictionary<string, string> { ["user_id"] = "u1" },
        });
        Assert.StartsWith("cus_", created.Id, StringComparison.Ordinal);
        Assert.Equal("customer", created.Object);

        var updated = await customers.UpdateAsync(created.Id, new CustomerUpdateOptions { Name = "Fan Person", Metadata = new Dictionary<string, string> { ["tier"] = "gold" } });
        Assert.Equal("Fan Person", updated.Name);
        Assert.Equal("u1", updated.Metadata["user_id"]);
        Assert.Equal("gold", updated.Metadata["tier"]);

        var fetched = await customers.GetAsync(created.Id);
        Assert.Equal("fan@example.test", fetched.Email);
        var byEmail = await customers.ListAsync(new CustomerListOptions { Email = "fan@example.test" });
        Assert.Equal(created.Id, Assert.Single(byEmail.Data).Id);
    }

    [Fact]
    public async Task Errors_use_stripes_envelope()
    {
        await using var h = await Harness.StartAsync();
        var missing = await Assert.ThrowsAsync<StripeException>(() => new ProductService(h.Client).GetAsync("prod_nope"));
        Assert.Equal(HttpStatusCode.NotFound, missing.HttpStatusCode);
        Assert.Equal("invalid_request_error", missing.StripeError.Type);
        Assert.Equal("resource_missing", missing.StripeError.Code);
        Assert.Equal("id", missing.StripeError.Param);

        var invalid = await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).CreateAsync(new PriceCreateOptions { Currency = "usd", UnitAmount = 100 }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.HttpStatusCode);
        Assert.Equal("product", invalid.StripeError.Param);
    }

    [Fact]
    public async Task Requests_without_a_test_key_get_401()
    {
        await using var h = await Harness.StartAsync();
        using var http = new HttpClient();
        using var anonymous = await http.GetAsync(h.Emulator.ApiBase + "/v1/products");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var body = JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());

        using var live = new HttpRequestMessage(HttpMethod.Get, h.Emulator.ApiBase + "/v1/products");
        live.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_live_abc123456789");
        using var liveResponse = await http.SendAsync(live);
        Assert.Equal(HttpStatusCode.Unauthorized, liveResponse.StatusCode);

        var ex = await Assert.ThrowsAsync<StripeException>(() => new ProductService(Harness.NewClient(h.Emulator, apiKey: "sk_live_nope")).ListAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.HttpStatusCode);
    }

    [Fact]
    public async Task Unknown_endpoints_answer_404_in_the_error_envelope()
    {
        await using var h = await Harness.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, h.Emulator.ApiBase + "/v1/tax_rates");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Harness.ApiKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Unrecognized request URL", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Form_parameters_parse_stripes_bracket_encoding()
    {
        var p = ParamNode.Parse("items[0][price]=price_1&items[1][price]=price_2&items[1][quantity]=3&metadata[member_id]=7&expand[]=latest_invoice&expand[]=customer&subscription_data[transfer_data][destination]=acct_1&success_url=https%3A%2F%2Fx.test%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D");
        var items = p.List("items");
        Assert.Equal(2, items.Count);
        Assert.Equal("price_2", items[1].Str("price"));
        Assert.Equal(3, items[1].Long("quantity"));
        Assert.Equal(["latest_invoice", "customer"], p.StrList("expand"));
        Assert.Equal("acct_1", p.Path("subscription_data", "transfer_data", "destination")!.Value);
        Assert.Equal("https://x.test/ok?s={CHECKOUT_SESSION_ID}", p.Str("success_url"));
        var metadata = new Dictionary<string, string>();
        p.ApplyMetadata(metadata);
        Assert.Equal("7", metadata["member_id"]);
    }

    [Fact]
    public async Task Expand_inlines_related_objects()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var expanded = await new SubscriptionService(h.Client).GetAsync(sub.Id, new SubscriptionGetOptions
        {
            Expand = ["latest_invoice", "customer", "items.data.price.product"],
        });
        Assert.Equal(sub.LatestInvoiceId, expanded.LatestInvoice.Id);
        Assert.Equal("paid", expanded.LatestInvoice.Status);
        Assert.Equal(sub.CustomerId, expanded.Customer.Id);
        Assert.Equal("fan@example.test", expanded.Customer.Email);
        Assert.Equal("Gold tier", expanded.Items.Data[0].Price.Product.Name);

        var sessions = await new Stripe.Checkout.SessionService(h.Client).ListAsync(new Stripe.Checkout.SessionListOptions { Subscription = sub.Id });
        var session = await new Stripe.Checkout.SessionService(h.Client).GetAsync(sessions.Data[0].Id, new Stripe.Checkout.SessionGetOptions
        {
            Expand = ["subscription", "line_items"],
        });
        Assert.Equal(sub.Id, session.Subscription.Id);
        Assert.Equal(1000, Assert.Single(session.LineItems.Data).AmountTotal);

        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions
        {
            Expand = ["parent.subscription_details.subscription", "payments.data.payment.payment_intent"],
        });
        Assert.Equal(sub.Id, invoice.Parent.SubscriptionDetails.Subscription.Id);
        Assert.Equal("succeeded", invoice.Payments.Data[0].Payment.PaymentIntent.Status);
    }
}
