using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Stripe;

namespace Membership.StripeEmulator.Tests;

/// <summary>The emulator refuses what Stripe refuses, with Stripe's errors.</summary>
public sealed class StrictnessTests
{
    private static async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(Harness h, HttpMethod method, string pathAndQuery, string? form = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, h.Emulator.ApiBase + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Harness.ApiKey);
        if (form is not null)
        {
            request.Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static JsonObject Error(JsonObject body) => body["error"]!.AsObject();

    // https://docs.stripe.com/error-codes/parameter-unknown — "The request contains one or more unexpected
    // parameters. Remove these and try again." (400, invalid_request_error, param = the parameter).
    [Fact]
    public async Task Create_UnknownParameter_Is400ParameterUnknownAndCreatesNothing()
    {
        await using var h = await Harness.StartAsync();
        var (status, body) = await SendAsync(h, HttpMethod.Post, "/v1/customers", "email=fan%40example.test&emial=typo");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", Error(body)["type"]!.GetValue<string>());
        Assert.Equal("parameter_unknown", Error(body)["code"]!.GetValue<string>());
        Assert.Equal("emial", Error(body)["param"]!.GetValue<string>());
        Assert.Equal("Received unknown parameter: emial", Error(body)["message"]!.GetValue<string>());
        Assert.Empty(h.Emulator.ObjectIds("customer"));

        // Nested names are reported in bracket form.
        var price = await h.CreateMonthlyPriceAsync();
        var (_, nested) = await SendAsync(h, HttpMethod.Post, "/v1/checkout/sessions",
            $"mode=subscription&success_url=https%3A%2F%2Fsite.test%2F&line_items[0][price]={price.Id}&line_items[0][tax_rates][0]=txr_1");
        Assert.Equal("Received unknown parameter: line_items[0][tax_rates]", Error(nested)["message"]!.GetValue<string>());
        var (_, deeper) = await SendAsync(h, HttpMethod.Post, "/v1/checkout/sessions",
            $"mode=subscription&success_url=https%3A%2F%2Fsite.test%2F&line_items[0][price]={price.Id}&subscription_data[transfer_data][amount_percent]=5");
        Assert.Equal("subscription_data[transfer_data][amount_percent]", Error(deeper)["param"]!.GetValue<string>());
        Assert.Empty(h.Emulator.ObjectIds("checkout.session"));

        // Through Stripe.net: a parameter Stripe.net sends but the emulator does not take is refused, not ignored.
        var viaClient = await Assert.ThrowsAsync<StripeException>(() => new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions { Email = "fan@example.test", TaxExempt = "exempt" }));
        Assert.Equal("parameter_unknown", viaClient.StripeError.Code);
        Assert.Equal("tax_exempt", viaClient.StripeError.Param);

        // A GET's query string is checked the same way; metadata takes any key.
        var (listStatus, list) = await SendAsync(h, HttpMethod.Get, "/v1/customers?limit=3&emali=x");
        Assert.Equal(HttpStatusCode.BadRequest, listStatus);
        Assert.Equal("emali", Error(list)["param"]!.GetValue<string>());
        var (okStatus, _) = await SendAsync(h, HttpMethod.Post, "/v1/customers", "metadata[anything_at_all]=1&metadata[other]=2");
        Assert.Equal(HttpStatusCode.OK, okStatus);
    }

    // https://docs.stripe.com/api/expanding_objects — only fields labelled "Expandable" can be expanded. A
    // subscription item's price is an embedded object (always there, not expandable); its product is expandable.
    [Fact]
    public async Task Get_ExpandEmbeddedItemsPrice_Is400ButItsProductExpands()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var subs = new SubscriptionService(h.Client);

        var embedded = await Assert.ThrowsAsync<StripeException>(() => subs.GetAsync(sub.Id, new SubscriptionGetOptions { Expand = ["items.data.price", "latest_invoice"] }));
        Assert.Equal(HttpStatusCode.BadRequest, embedded.HttpStatusCode);
        Assert.Equal("invalid_request_error", embedded.StripeError.Type);
        Assert.Equal("This property cannot be expanded (items.data.price).", embedded.StripeError.Message);

        var fine = await subs.GetAsync(sub.Id, new SubscriptionGetOptions { Expand = ["items.data.price.product", "latest_invoice", "customer", "default_payment_method"] });
        Assert.Equal("Gold tier", fine.Items.Data[0].Price.Product.Name);
        Assert.Equal(sub.LatestInvoiceId, fine.LatestInvoice.Id);
        Assert.Equal("card", fine.DefaultPaymentMethod.Type);
        Assert.Null(fine.PendingSetupIntent); // expandable and null: allowed
        await subs.GetAsync(sub.Id, new SubscriptionGetOptions { Expand = ["pending_setup_intent", "schedule"] });
    }

    // Same page: fields without the label (plain values, hashes, fields removed from the API version) cannot be
    // expanded; on a list, expansions start with data.
    [Fact]
    public async Task Get_ExpandFieldWithoutTheExpandableLabel_Is400()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var session = (await new Stripe.Checkout.SessionService(h.Client).ListAsync(new Stripe.Checkout.SessionListOptions { Subscription = sub.Id })).Data[0];

        var hash = await Assert.ThrowsAsync<StripeException>(() => new Stripe.Checkout.SessionService(h.Client).GetAsync(session.Id, new Stripe.Checkout.SessionGetOptions { Expand = ["metadata"] }));
        Assert.Equal("This property cannot be expanded (metadata).", hash.StripeError.Message);

        // invoice.subscription left the Invoice in 2025-03-31.basil: it is parent.subscription_details.subscription now.
        var (_, removed) = await SendAsync(h, HttpMethod.Get, $"/v1/invoices/{sub.LatestInvoiceId}?expand[]=subscription");
        Assert.Equal("This property cannot be expanded (subscription).", Error(removed)["message"]!.GetValue<string>());
        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions { Expand = ["parent.subscription_details.subscription", "customer"] });
        Assert.Equal(sub.Id, invoice.Parent.SubscriptionDetails.Subscription.Id);

        var (listStatus, list) = await SendAsync(h, HttpMethod.Get, "/v1/subscriptions?expand[]=customer");
        Assert.Equal(HttpStatusCode.BadRequest, listStatus);
        Assert.Equal("This property cannot be expanded (customer). You may want to try expanding 'data.customer' instead.", Error(list)["message"]!.GetValue<string>());
        var expandedList = await new SubscriptionService(h.Client).ListAsync(new SubscriptionListOptions { Expand = ["data.customer"] });
        Assert.Equal("fan@example.test", expandedList.Data[0].Customer.Email);

        // Checked before anything is done: a create with a bad expand creates nothing.
        var (_, create) = await SendAsync(h, HttpMethod.Post, "/v1/products", "name=Never&expand[]=name");
        Assert.Equal("This property cannot be expanded (name).", Error(create)["message"]!.GetValue<string>());
        Assert.DoesNotContain(h.Emulator.ObjectIds("product").Select(id => h.Emulator.GetObject(id)!["name"]!.GetValue<string>()), n => n == "Never");
    }

    // Same page: "Expansions have a maximum depth of four levels" — data. on a list counts as one.
    [Fact]
    public async Task Get_ExpandDeeperThanFourLevels_Is400()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();

        var tooDeep = await Assert.ThrowsAsync<StripeException>(() => new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions
        {
            Expand = ["payments.data.payment.payment_intent.customer"],
        }));
        Assert.Equal(HttpStatusCode.BadRequest, tooDeep.HttpStatusCode);
        Assert.Equal("property_expansion_max_depth", tooDeep.StripeError.Code);
        Assert.Equal("You cannot expand more than 4 levels of a property. Property: payments.data.payment.payment_intent.customer", tooDeep.StripeError.Message);

        var listTooDeep = await Assert.ThrowsAsync<StripeException>(() => new SubscriptionService(h.Client).ListAsync(new SubscriptionListOptions { Expand = ["data.items.data.price.product"] }));
        Assert.Equal("property_expansion_max_depth", listTooDeep.StripeError.Code);

        var embeddedAtFour = await Assert.ThrowsAsync<StripeException>(() => new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Expand = ["data.payments.data.payment"] }));
        Assert.Equal("This property cannot be expanded (data.payments.data.payment).", embeddedAtFour.StripeError.Message); // four levels, but embedded
        var atFour = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions { Expand = ["payments.data.payment.payment_intent"] });
        Assert.Equal("succeeded", atFour.Payments.Data[0].Payment.PaymentIntent.Status);
    }

    // https://docs.stripe.com/api/invoices/object#invoice_object-payments — "This field is not included by default.
    // To include it in the response, expand the payments field." (since 2025-03-31.basil); an invoice payment's
    // payment.charge is set only when payment.type is charge
    // (https://docs.stripe.com/api/invoice-payment/object#invoice_payment_object-payment-charge); a charge's refunds
    // are likewise included only when expanded (https://docs.stripe.com/api/charges/object#charge_object-refunds).
    [Fact]
    public async Task GetInvoice_PaymentsAndRefunds_AppearOnlyWhenExpanded()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();

        var (_, plain) = await SendAsync(h, HttpMethod.Get, $"/v1/invoices/{sub.LatestInvoiceId}");
        Assert.False(plain.ContainsKey("payments"));
        var (_, expanded) = await SendAsync(h, HttpMethod.Get, $"/v1/invoices/{sub.LatestInvoiceId}?expand[]=payments");
        var payment = expanded["payments"]!["data"]![0]!["payment"]!.AsObject();
        Assert.Equal("payment_intent", payment["type"]!.GetValue<string>());
        Assert.StartsWith("pi_", payment["payment_intent"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(payment.ContainsKey("charge"));

        // Expanding payments.data.payment.charge is valid; on a payment_intent payment there is no charge to expand.
        var (status, withCharge) = await SendAsync(h, HttpMethod.Get, $"/v1/invoices/{sub.LatestInvoiceId}?expand[]=payments.data.payment.charge");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(withCharge["payments"]!["data"]![0]!["payment"]!.AsObject().ContainsKey("charge"));

        // The invoice's events carry the object as rendered by default: no payments.
        var paidEvent = h.Emulator.Events.Single(e => e.Type == "invoice.paid");
        Assert.False(paidEvent.DataObject.ContainsKey("payments"));

        var chargeId = (await new PaymentIntentService(h.Client).GetAsync(payment["payment_intent"]!.GetValue<string>())).LatestChargeId;
        var (_, charge) = await SendAsync(h, HttpMethod.Get, $"/v1/charges/{chargeId}");
        Assert.False(charge.ContainsKey("refunds"));
        var (_, chargeWithRefunds) = await SendAsync(h, HttpMethod.Get, $"/v1/charges/{chargeId}?expand[]=refunds");
        Assert.Equal("list", chargeWithRefunds["refunds"]!["object"]!.GetValue<string>());
    }

    // https://docs.stripe.com/error-codes/resource-missing — "The ID provided is not valid. Either the resource does
    // not exist, or an ID for a different resource has been provided." An id in a parameter is a 400; the object the
    // URL names is a 404 (https://docs.stripe.com/api/errors).
    [Fact]
    public async Task Create_IdOfAnotherKind_IsResourceMissing()
    {
        await using var h = await Harness.StartAsync();
        var customer = await new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions { Email = "fan@example.test" });

        var asPrice = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(customer.Id));
        Assert.Equal(HttpStatusCode.BadRequest, asPrice.HttpStatusCode);
        Assert.Equal("resource_missing", asPrice.StripeError.Code);
        Assert.Equal("line_items[0][price]", asPrice.StripeError.Param);
        Assert.Equal($"No such price: '{customer.Id}'", asPrice.StripeError.Message);

        var price = await h.CreateMonthlyPriceAsync();
        var asCustomer = await Assert.ThrowsAsync<StripeException>(() => new SubscriptionService(h.Client).CreateAsync(new SubscriptionCreateOptions
        {
            Customer = price.Id,
            Items = [new SubscriptionItemOptions { Price = price.Id }],
        }));
        Assert.Equal($"No such customer: '{price.Id}'", asCustomer.StripeError.Message);
        Assert.Equal("customer", asCustomer.StripeError.Param);

        var inPath = await Assert.ThrowsAsync<StripeException>(() => new PriceService(h.Client).GetAsync(customer.Id));
        Assert.Equal(HttpStatusCode.NotFound, inPath.HttpStatusCode);
        Assert.Equal($"No such price: '{customer.Id}'", inPath.StripeError.Message);
        Assert.Equal("resource_missing", inPath.StripeError.Code);
    }
}
