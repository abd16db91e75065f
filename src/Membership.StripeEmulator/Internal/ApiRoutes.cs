using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Membership.StripeEmulator.Internal;

internal sealed class ApiContext
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    public required ParamNode Params { get; init; }

    /// <summary>The <c>Stripe-Account</c> the request acts on (null = the platform).</summary>
    public string? Account { get; init; }

    public required EmulatorState State { get; init; }

    public required Billing Billing { get; init; }

    public required string[] Args { get; init; }

    public string Id => Args[0];

    public IReadOnlyList<string> Expand => Params.StrList("expand");

    public JsonObject Render(Entity e) => Expansion.Render(State, e, Expansion.PathTree.From(Expand));

    /// <summary>A list built by hand (not <see cref="EmulatorState.Page{T}"/>), with <c>data.…</c> expansions applied.</summary>
    public JsonObject RenderList(JsonObject list, string itemType)
    {
        Expansion.ApplyToList(State, list, itemType, Expansion.PathTree.From(Expand));
        return list;
    }

    public long Now => State.Now;
}

/// <summary>One endpoint: what it answers with (for <c>expand[]</c>) and the parameters it accepts.</summary>
internal sealed record Route(string Method, string[] Segments, Func<ApiContext, JsonObject> Handler, string Returns, ParamSpec Accepts);

/// <summary>
/// The <c>/v1</c> endpoints the emulator answers, matched by method and path template. Each lists the
/// parameters it accepts (everything else is a 400 <c>parameter_unknown</c>, as on Stripe; see
/// <see cref="ParamSpec"/>) and the object it returns (which <c>expand[]</c> paths are valid; see <see cref="Expansion"/>).
/// </summary>
internal sealed partial class ApiRoutes
{
    private const string Expand = "expand[]";
    private const string Paging = "limit starting_after ending_before expand[]";
    private const string Metadata = "metadata{*}";

    private readonly List<Route> _routes = [];

    public ApiRoutes()
    {
        // Products
        Map("POST", "/v1/products", CreateProduct, "product",
            $"id name description active url images[] {Metadata} default_price_data{{currency unit_amount unit_amount_decimal recurring{{interval interval_count}} {Metadata}}} {Expand}");
        Map("GET", "/v1/products", ListProducts, "list:product", $"active ids[] {Paging}");
        Map("GET", "/v1/products/{id}", c => c.Render(c.State.Get<ProductEntity>(c.Id, c.Account, "product")), "product", Expand);
        Map("POST", "/v1/products/{id}", UpdateProduct, "product", $"name description active url images[] default_price {Metadata} {Expand}");

        // Prices
        Map("POST", "/v1/prices", CreatePrice, "price",
            $"product product_data{{name active {Metadata}}} currency unit_amount unit_amount_decimal recurring{{interval interval_count trial_period_days}} nickname active lookup_key transfer_lookup_key {Metadata} {Expand}");
        Map("GET", "/v1/prices", ListPrices, "list:price", $"product active type currency lookup_keys[] recurring{{interval}} {Paging}");
        Map("GET", "/v1/prices/{id}", c => c.Render(c.State.Get<PriceEntity>(c.Id, c.Account, "price")), "price", Expand);
        Map("POST", "/v1/prices/{id}", UpdatePrice, "price", $"active nickname lookup_key {Metadata} {Expand}");

        // Customers and payment methods
        Map("POST", "/v1/customers", CreateCustomer, "customer", $"email name description phone {Metadata} {Expand}");
        Map("GET", "/v1/customers", ListCustomers, "list:customer", $"email {Paging}");
        Map("GET", "/v1/customers/{id}", c => c.Render(c.State.Get<CustomerEntity>(c.Id, c.Account, "customer")), "customer", Expand);
        Map("POST", "/v1/customers/{id}", UpdateCustomer, "customer", $"email name description phone invoice_settings{{default_payment_method}} {Metadata} {Expand}");
        Map("DELETE", "/v1/customers/{id}", DeleteCustomer, "customer", Expand);
        Map("GET", "/v1/customers/{id}/payment_methods", c =>
        {
            var customer = c.State.Get<CustomerEntity>(c.Id, c.Account, "customer");
            var type = c.Params.NonEmpty("type");
            var cards = c.State.All<PaymentMethodEntity>(c.Account).Where(p => p.CustomerId == customer.Id && type is null or "card");
            return c.State.Page(cards, c.Params, $"/v1/customers/{customer.Id}/payment_methods");
        }, "list:payment_method", $"type {Paging}");
        Map("GET", "/v1/payment_methods/{id}", c => c.Render(c.State.Get<PaymentMethodEntity>(c.Id, c.Account, "PaymentMethod")), "payment_method", Expand);

        // Checkout
        Map("POST", "/v1/checkout/sessions", CreateCheckoutSession, "checkout.session",
            $"mode customer customer_email client_reference_id {Metadata} line_items[]{{price quantity}} " +
            $"subscription_data{{trial_period_days trial_end application_fee_percent transfer_data{{destination}} description {Metadata}}} success_url cancel_url expires_at {Expand}");
        Map("GET", "/v1/checkout/sessions", ListCheckoutSessions, "list:checkout.session", $"customer subscription status {Paging}");
        Map("GET", "/v1/checkout/sessions/{id}", c => c.Render(c.State.Get<CheckoutSessionEntity>(c.Id, c.Account, "checkout.session")), "checkout.session", Expand);
        Map("POST", "/v1/checkout/sessions/{id}/expire", ExpireCheckoutSession, "checkout.session", Expand);
        Map("GET", "/v1/checkout/sessions/{id}/line_items", c => c.RenderList(c.State.Get<CheckoutSessionEntity>(c.Id, c.Account, "checkout.session").RenderLineItems(c.State), "item"), "list:item", Paging);

        // Subscriptions
        Map("POST", "/v1/subscriptions", CreateSubscription, "subscription",
            $"customer items[]{{price quantity}} trial_period_days trial_end default_payment_method description application_fee_percent transfer_data{{destination}} {Metadata} {Expand}");
        Map("GET", "/v1/subscriptions", ListSubscriptions, "list:subscription", $"customer price status {Paging}");
        Map("GET", "/v1/subscriptions/{id}", c => c.Render(c.State.Get<SubscriptionEntity>(c.Id, c.Account, "subscription")), "subscription", Expand);
        Map("POST", "/v1/subscriptions/{id}", UpdateSubscription, "subscription",
            $"items[]{{id price quantity deleted}} proration_behavior proration_date cancel_at_period_end trial_end default_payment_method description cancellation_details{{comment}} {Metadata} {Expand}");
        Map("DELETE", "/v1/subscriptions/{id}", CancelSubscription, "subscription", $"cancellation_details{{comment}} {Expand}");
        Map("GET", "/v1/subscription_items", ListSubscriptionItems, "list:subscription_item", $"subscription {Paging}");
        Map("GET", "/v1/subscription_items/{id}", c => c.Render(c.State.Get<SubscriptionItemEntity>(c.Id, c.Account, "subscription_item")), "subscription_item", Expand);
        Map("POST", "/v1/subscription_items/{id}", UpdateSubscriptionItem, "subscription_item", $"price quantity proration_behavior proration_date {Metadata} {Expand}");

        // Invoices, payments, refunds
        Map("GET", "/v1/invoices", ListInvoices, "list:invoice", $"customer subscription status {Paging}");
        Map("GET", "/v1/invoices/{id}", c => c.Render(c.State.Get<InvoiceEntity>(c.Id, c.Account, "invoice")), "invoice", Expand);
        Map("GET", "/v1/invoices/{id}/lines", c =>
        {
            var invoice = c.State.Get<InvoiceEntity>(c.Id, c.Account, "invoice");
            return c.RenderList(Json.List($"/v1/invoices/{invoice.Id}/lines", invoice.Lines.Select(l => (JsonNode)l.Render(invoice.Id))), "line_item");
        }, "list:line_item", Paging);
        Map("POST", "/v1/invoices/{id}/pay", PayInvoice, "invoice", Expand);
        Map("GET", "/v1/charges", ListCharges, "list:charge", $"customer payment_intent {Paging}");
        Map("GET", "/v1/charges/{id}", c => c.Render(c.State.Get<ChargeEntity>(c.Id, c.Account, "charge")), "charge", Expand);
        Map("GET", "/v1/payment_intents/{id}", c => c.Render(c.State.Get<PaymentIntentEntity>(c.Id, c.Account, "payment_intent")), "payment_intent", Expand);
        Map("POST", "/v1/refunds", CreateRefund, "refund", $"charge payment_intent amount reason {Metadata} {Expand}");
        Map("GET", "/v1/refunds", ListRefunds, "list:refund", $"charge payment_intent {Paging}");
        Map("GET", "/v1/refunds/{id}", c => c.Render(c.State.Get<RefundEntity>(c.Id, c.Account, "refund")), "refund", Expand);

        // Billing portal
        Map("POST", "/v1/billing_portal/sessions", CreatePortalSession, "billing_portal.session", $"customer return_url configuration {Expand}");
        MapPortalConfigurations();

        // Connect
        Map("POST", "/v1/accounts", CreateAccount, "account", $"type email country capabilities{{*{{requested}}}} business_type business_profile{{name url}} {Metadata} {Expand}");
        Map("GET", "/v1/accounts", c => PlatformOnly(c, () => c.State.Page(c.State.All<AccountEntity>(null).Where(a => !a.IsPlatform), c.Params, "/v1/accounts")), "list:account", Paging);
        Map("GET", "/v1/account", c => c.Render(c.State.Get<AccountEntity>(c.Account ?? c.State.PlatformAccountId, null, "account")), "account", Expand);
        Map("GET", "/v1/accounts/{id}", c => c.Render(GetConnectedAccount(c, c.Id)), "account", Expand);
        Map("POST", "/v1/accounts/{id}", UpdateAccount, "account", $"email business_profile{{name url}} {Metadata} {Expand}");
        Map("POST", "/v1/accounts/{id}/login_links", c =>
        {
            var account = GetConnectedAccount(c, c.Id);
            return new JsonObject { ["object"] = "login_link", ["created"] = c.Now, ["url"] = c.State.HostedUrl("/express/" + account.Id) };
        }, "login_link", Expand);
        Map("POST", "/v1/account_links", CreateAccountLink, "account_link", $"account refresh_url return_url type {Expand}");

        // Events
        Map("GET", "/v1/events", ListEvents, "list:event", $"type types[] {Paging}");
        Map("GET", "/v1/events/{id}", c => c.State.Get<EventEntity>(c.Id, c.Account, "event").Render(new RenderContext(c.State)), "event", Expand);
    }

    /// <summary>Every route as "METHOD /path", for the README and the control endpoint.</summary>
    public IEnumerable<string> Describe() => _routes.Select(r => r.Method + " /" + string.Join('/', r.Segments));

    private void Map(string method, string template, Func<ApiContext, JsonObject> handler, string returns, string accepts)
    {
        if (!Expansion.IsKnownType(returns))
        {
            throw new InvalidOperationException($"{method} {template}: no expansion schema for '{returns}'.");
        }

        _routes.Add(new Route(method, template.Trim('/').Split('/'), handler, returns, ParamSpec.Parse(accepts)));
    }

    public (Route Route, string[] Args)? Match(string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        var pathMatched = false;
        foreach (var route in _routes)
        {
            var template = route.Segments;
            if (template.Length != segments.Length)
            {
                continue;
            }

            var args = new List<string>();
            var ok = true;
            for (var i = 0; i < template.Length && ok; i++)
            {
                if (template[i].StartsWith('{'))
                {
                    args.Add(Uri.UnescapeDataString(segments[i]));
                }
                else
                {
                    ok = string.Equals(template[i], segments[i], StringComparison.Ordinal);
                }
            }

            if (!ok)
            {
                continue;
            }

            pathMatched = true;
            if (string.Equals(route.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                return (route, args.ToArray());
            }
        }

        if (pathMatched)
        {
            throw new ApiError(405, "invalid_request_error", $"Unrecognized request URL ({method}: {path}). The path exists but not for this method.");
        }

        return null;
    }

    // ------------------------------------------------------------------ helpers

    private static JsonObject PlatformOnly(ApiContext c, Func<JsonObject> run) =>
        c.Account is null ? run() : throw new ApiError(403, "invalid_request_error", "This request can only be made by the platform (without the Stripe-Account header).", code: "platform_api_key_expired");

    private static AccountEntity GetConnectedAccount(ApiContext c, string id)
    {
        if (c.Account is not null && c.Account != id)
        {
            throw new ApiError(403, "invalid_request_error", $"The account {c.Account} cannot access account {id}.", code: "account_invalid");
        }

        return c.State.Get<AccountEntity>(id, null, "account");
    }

    private static void CheckCurrency(string? currency, string param)
    {
        if (currency is null || !CurrencyRegex().IsMatch(currency))
        {
            throw ApiError.Invalid($"Invalid currency: {currency}. Stripe currencies are three lowercase letters (e.g. usd).", param);
        }
    }

    private static string? Url(ParamNode p, string name, bool required = false)
    {
        var value = p.NonEmpty(name);
        if (value is null)
        {
            return required ? throw ApiError.Missing(name) : null;
        }

        if (!Uri.TryCreate(value.Replace("{CHECKOUT_SESSION_ID}", "x", StringComparison.Ordinal), UriKind.Absolute, out _))
        {
            throw ApiError.Invalid($"Not a valid URL: {value}", name, "url_invalid");
        }

        return value;
    }

    [GeneratedRegex("^[a-z]{3}$")]
    private static partial Regex CurrencyRegex();

    // ------------------------------------------------------------------ products

    private static JsonObject CreateProduct(ApiContext c)
    {
        var p = c.Params;
        var name = p.NonEmpty("name") ?? throw ApiError.Missing("name");
        var product = new ProductEntity
        {
            Id = p.NonEmpty("id") ?? EmulatorState.NewId("prod_", 14),
            Scope = c.Account,
            Created = c.Now,
            Name = name,
            Description = p.NonEmpty("description"),
            Active = p.Bool("active") ?? true,
            Url = p.NonEmpty("url"),
            Images = p.StrList("images").ToList(),
            Updated = c.Now,
        };
        p.ApplyMetadata(product.Metadata);
        PriceEntity? defaultPrice = null;
        if (p.Child("default_price_data") is { } dp)
        {
            defaultPrice = BuildPrice(c, dp, product.Id, "default_price_data");
        }

        c.State.Add(product);
        if (defaultPrice is not null)
        {
            c.State.Add(defaultPrice);
            product.DefaultPriceId = defaultPrice.Id;
        }

        return c.Render(product);
    }

    private static JsonObject UpdateProduct(ApiContext c)
    {
        var p = c.Params;
        var product = c.State.Get<ProductEntity>(c.Id, c.Account, "product");
        if (p.Has("name"))
        {
            product.Name = p.NonEmpty("name") ?? throw ApiError.Invalid("name cannot be empty.", "name");
        }

        if (p.Has("description"))
        {
            product.Description = p.NonEmpty("description");
        }

        if (p.Bool("active") is { } active)
        {
            product.Active = active;
        }

        if (p.Has("url"))
        {
            product.Url = p.NonEmpty("url");
        }

        if (p.Has("images"))
        {
            product.Images = p.StrList("images").ToList();
        }

        if (p.NonEmpty("default_price") is { } priceId)
        {
            var price = c.State.Get<PriceEntity>(priceId, c.Account, "price", "default_price");
            if (price.ProductId != product.Id)
            {
                throw ApiError.Invalid($"The price {price.Id} belongs to another product.", "default_price");
            }

            product.DefaultPriceId = price.Id;
        }

        p.ApplyMetadata(product.Metadata);
        product.Updated = c.Now;
        return c.Render(product);
    }

    private static JsonObject ListProducts(ApiContext c)
    {
        var p = c.Params;
        var active = p.Bool("active");
        var ids = p.StrList("ids");
        var items = c.State.All<ProductEntity>(c.Account)
            .Where(x => active is null || x.Active == active)
            .Where(x => ids.Count == 0 || ids.Contains(x.Id));
        return c.State.Page(items, p, "/v1/products");
    }

    // ------------------------------------------------------------------ prices

    private static PriceEntity BuildPrice(ApiContext c, ParamNode p, string productId, string prefix = "")
    {
        string P(string name) => prefix.Length == 0 ? name : $"{prefix}[{name}]";
        var currency = p.NonEmpty("currency") ?? throw ApiError.Missing(P("currency"));
        CheckCurrency(currency, P("currency"));
        var amount = p.Long("unit_amount") ?? (p.Decimal("unit_amount_decimal") is { } d ? (long)d : throw ApiError.Missing(P("unit_amount")));
        if (amount < 0)
        {
            throw ApiError.Invalid("unit_amount must be 0 or more.", P("unit_amount"));
        }

        string? interval = null;
        long intervalCount = 1;
        long? trialDays = null;
        if (p.Child("recurring") is { } r)
        {
            interval = r.NonEmpty("interval") ?? throw ApiError.Missing(P("recurring[interval]"));
            if (interval is not ("day" or "week" or "month" or "year"))
            {
                throw ApiError.Invalid("Invalid recurring[interval]: must be one of day, week, month, or year", P("recurring[interval]"));
            }

            intervalCount = r.Long("interval_count") ?? 1;
            var maxCount = interval switch { "day" => 365, "week" => 52, "month" => 12, _ => 1 };
            if (intervalCount < 1 || intervalCount > maxCount)
            {
                throw ApiError.Invalid("The maximum billing interval is one year.", P("recurring[interval_count]"));
            }

            trialDays = r.Long("trial_period_days");
        }

        var price = new PriceEntity
        {
            Id = EmulatorState.NewId("price_"),
            Scope = c.Account,
            Created = c.Now,
            ProductId = productId,
            Currency = currency,
            UnitAmount = amount,
            Interval = interval,
            IntervalCount = intervalCount,
            TrialPeriodDays = trialDays,
            Nickname = p.NonEmpty("nickname"),
            Active = p.Bool("active") ?? true,
        };
        p.ApplyMetadata(price.Metadata);
        return price;
    }

    private static JsonObject CreatePrice(ApiContext c)
    {
        var p = c.Params;
        string productId;
        ProductEntity? newProduct = null;
        if (p.NonEmpty("product") is { } pid)
        {
            productId = c.State.Get<ProductEntity>(pid, c.Account, "product", "product").Id;
        }
        else if (p.Child("product_data") is { } pd)
        {
            newProduct = new ProductEntity
            {
                Id = EmulatorState.NewId("prod_", 14),
                Scope = c.Account,
                Created = c.Now,
                Updated = c.Now,
                Name = pd.NonEmpty("name") ?? throw ApiError.Missing("product_data[name]"),
                Active = pd.Bool("active") ?? true,
            };
            pd.ApplyMetadata(newProduct.Metadata);
            productId = newProduct.Id;
        }
        else
        {
            throw ApiError.Missing("product");
        }

        var price = BuildPrice(c, p, productId);
        if (p.NonEmpty("lookup_key") is { } lookupKey)
        {
            var clash = c.State.All<PriceEntity>(c.Account).FirstOrDefault(x => x.LookupKey == lookupKey);
            if (clash is not null)
            {
                if (p.Bool("transfer_lookup_key") != true)
                {
                    throw ApiError.Invalid($"A price ({clash.Id}) already uses that look up key.", "lookup_key");
                }

                clash.LookupKey = null;
            }

            price.LookupKey = lookupKey;
        }

        if (newProduct is not null)
        {
            c.State.Add(newProduct);
        }

        c.State.Add(price);
        return c.Render(price);
    }

    private static JsonObject UpdatePrice(ApiContext c)
    {
        var p = c.Params;
        var price = c.State.Get<PriceEntity>(c.Id, c.Account, "price");
        if (p.Bool("active") is { } active)
        {
            price.Active = active;
        }

        if (p.Has("nickname"))
        {
            price.Nickname = p.NonEmpty("nickname");
        }

        if (p.Has("lookup_key"))
        {
            price.LookupKey = p.NonEmpty("lookup_key");
        }

        p.ApplyMetadata(price.Metadata);
        return c.Render(price);
    }

    private static JsonObject ListPrices(ApiContext c)
    {
        var p = c.Params;
        var product = p.NonEmpty("product");
        var active = p.Bool("active");
        var type = p.NonEmpty("type");
        var currency = p.NonEmpty("currency");
        var lookupKeys = p.StrList("lookup_keys");
        var interval = p.Path("recurring", "interval")?.Value;
        var items = c.State.All<PriceEntity>(c.Account)
            .Where(x => product is null || x.ProductId == product)
            .Where(x => active is null || x.Active == active)
            .Where(x => type is null || (type == "recurring") == x.Recurring)
            .Where(x => currency is null || x.Currency == currency)
            .Where(x => lookupKeys.Count == 0 || (x.LookupKey is not null && lookupKeys.Contains(x.LookupKey)))
            .Where(x => string.IsNullOrEmpty(interval) || x.Interval == interval);
        return c.State.Page(items, p, "/v1/prices");
    }

    // ------------------------------------------------------------------ customers

    private static JsonObject CreateCustomer(ApiContext c)
    {
        var p = c.Params;
        var customer = new CustomerEntity
        {
            Id = EmulatorState.NewId("cus_", 14),
            Scope = c.Account,
            Created = c.Now,
            Email = p.NonEmpty("email"),
            Name = p.NonEmpty("name"),
            Description = p.NonEmpty("description"),
            Phone = p.NonEmpty("phone"),
        };
        p.ApplyMetadata(customer.Metadata);
        c.State.Add(customer);
        return c.Render(customer);
    }

    private static CustomerEntity LiveCustomer(ApiContext c, string? id, string param = "id")
    {
        var customer = c.State.Get<CustomerEntity>(id, c.Account, "customer", param);
        return customer.Deleted ? throw ApiError.NoSuch("customer", customer.Id, param) : customer;
    }

    private static JsonObject UpdateCustomer(ApiContext c)
    {
        var p = c.Params;
        var customer = LiveCustomer(c, c.Id);
        if (p.Has("email"))
        {
            customer.Email = p.NonEmpty("email");
        }

        if (p.Has("name"))
        {
            customer.Name = p.NonEmpty("name");
        }

        if (p.Has("description"))
        {
            customer.Description = p.NonEmpty("description");
        }

        if (p.Has("phone"))
        {
            customer.Phone = p.NonEmpty("phone");
        }

        if (p.Path("invoice_settings", "default_payment_method") is { } dpm)
        {
            if (string.IsNullOrEmpty(dpm.Value))
            {
                customer.DefaultPaymentMethodId = null;
            }
            else
            {
                var pm = c.State.Get<PaymentMethodEntity>(dpm.Value, c.Account, "PaymentMethod", "invoice_settings[default_payment_method]");
                if (pm.CustomerId != customer.Id)
                {
                    throw ApiError.Invalid("The payment method is not attached to this customer.", "invoice_settings[default_payment_method]");
                }

                customer.DefaultPaymentMethodId = pm.Id;
            }
        }

        p.ApplyMetadata(customer.Metadata);
        return c.Render(customer);
    }

    private static JsonObject DeleteCustomer(ApiContext c)
    {
        var customer = LiveCustomer(c, c.Id);
        foreach (var sub in c.State.All<SubscriptionEntity>(c.Account).Where(s => s.CustomerId == customer.Id && !s.IsEnded).ToList())
        {
            c.Billing.CancelNow(sub, "cancellation_requested");
        }

        customer.Deleted = true;
        return new JsonObject { ["id"] = customer.Id, ["object"] = "customer", ["deleted"] = true };
    }

    private static JsonObject ListCustomers(ApiContext c)
    {
        var email = c.Params.NonEmpty("email");
        var items = c.State.All<CustomerEntity>(c.Account)
            .Where(x => !x.Deleted)
            .Where(x => email is null || string.Equals(x.Email, email, StringComparison.Ordinal));
        return c.State.Page(items, c.Params, "/v1/customers");
    }

    // ------------------------------------------------------------------ checkout

    private static JsonObject CreateCheckoutSession(ApiContext c)
    {
        var p = c.Params;
        var mode = p.NonEmpty("mode") ?? throw ApiError.Missing("mode");
        if (mode != "subscription")
        {
            throw ApiError.Invalid($"The emulator supports Checkout in subscription mode only (got mode={mode}).", "mode");
        }

        if (c.Account is not null)
        {
            var account = c.State.Find<AccountEntity>(c.Account)!;
            if (!account.ChargesEnabled)
            {
                throw ApiError.Invalid($"The account {account.Id} cannot accept card payments yet: charges_enabled is false (finish onboarding first).", code: "account_invalid");
            }
        }

        var successUrl = Url(p, "success_url", required: true)!;
        var cancelUrl = Url(p, "cancel_url");
        string? customerId = null;
        if (p.NonEmpty("customer") is { } cid)
        {
            customerId = LiveCustomer(c, cid, "customer").Id;
        }

        var lineNodes = p.List("line_items");
        if (lineNodes.Count == 0)
        {
            throw ApiError.Missing("line_items");
        }

        var lines = new List<SessionLineItem>();
        string? currency = null;
        string? interval = null;
        for (var i = 0; i < lineNodes.Count; i++)
        {
            var priceId = lineNodes[i].NonEmpty("price") ?? throw ApiError.Missing($"line_items[{i}][price]");
            var price = c.State.Get<PriceEntity>(priceId, c.Account, "price", $"line_items[{i}][price]");
            if (!price.Active)
            {
                throw ApiError.Invalid($"The price {price.Id} is not active.", $"line_items[{i}][price]");
            }

            if (!price.Recurring)
            {
                throw ApiError.Invalid("You must provide at least one recurring price in `subscription` mode when using prices.", $"line_items[{i}][price]");
            }

            if (currency is not null && currency != price.Currency)
            {
                throw ApiError.Invalid("All prices must be in the same currency.", $"line_items[{i}][price]");
            }

            var priceInterval = price.Interval + "/" + price.IntervalCount;
            if (interval is not null && interval != priceInterval)
            {
                throw ApiError.Invalid("All recurring prices must have the same interval.", $"line_items[{i}][price]");
            }

            currency = price.Currency;
            interval = priceInterval;
            var quantity = lineNodes[i].Long("quantity") ?? 1;
            if (quantity < 1)
            {
                throw ApiError.Invalid("Quantity must be at least 1.", $"line_items[{i}][quantity]");
            }

            lines.Add(new SessionLineItem(EmulatorState.NewId("li_"), price.Id, quantity));
        }

        var sd = p.Child("subscription_data") ?? new ParamNode();
        var trialDays = sd.Long("trial_period_days");
        if (trialDays is < 1 or > 730)
        {
            throw ApiError.Invalid("trial_period_days must be between 1 and 730.", "subscription_data[trial_period_days]");
        }

        var trialEnd = sd.Long("trial_end");
        if (trialEnd is { } te && te < c.Now + (2 * 86_400))
        {
            throw ApiError.Invalid("subscription_data[trial_end] must be at least 2 days in the future.", "subscription_data[trial_end]");
        }

        var fee = sd.Decimal("application_fee_percent");
        var destination = sd.Path("transfer_data", "destination")?.Value;
        if (string.IsNullOrEmpty(destination))
        {
            destination = null;
        }

        if (fee is { } f)
        {
            if (f < 0 || f > 100)
            {
                throw ApiError.Invalid("application_fee_percent must be between 0 and 100.", "subscription_data[application_fee_percent]");
            }

            if (c.Account is null && destination is null)
            {
                throw ApiError.Invalid(
                    "Can only apply an application_fee_percent when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the on_behalf_of parameter) or with transfer_data[destination].",
                    "subscription_data[application_fee_percent]");
            }
        }

        if (destination is not null)
        {
            if (c.Account is not null)
            {
                throw ApiError.Invalid("transfer_data cannot be used with the Stripe-Account header.", "subscription_data[transfer_data][destination]");
            }

            var dest = c.State.Get<AccountEntity>(destination, null, "account", "subscription_data[transfer_data][destination]");
            if (!dest.ChargesEnabled)
            {
                throw ApiError.Invalid(
                    "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
                    "subscription_data[transfer_data][destination]",
                    "insufficient_capabilities_for_transfer");
            }
        }

        var clientReference = p.NonEmpty("client_reference_id");
        if (clientReference is { Length: > 200 })
        {
            throw ApiError.Invalid("client_reference_id is limited to 200 characters.", "client_reference_id");
        }

        var expiresAt = CheckoutExpiry(c, p.Long("expires_at"));
        var session = new CheckoutSessionEntity
        {
            Id = EmulatorState.NewId("cs_test_", 58),
            Scope = c.Account,
            Created = c.Now,
            Mode = mode,
            CustomerId = customerId,
            CustomerEmail = customerId is null ? p.NonEmpty("customer_email") : null,
            ClientReferenceId = clientReference,
            SuccessUrl = successUrl,
            CancelUrl = cancelUrl,
            Currency = currency!,
            ExpiresAt = expiresAt,
            TrialPeriodDays = trialDays,
            TrialEnd = trialEnd,
            ApplicationFeePercent = fee,
            TransferDestination = destination,
            SubscriptionDescription = sd.NonEmpty("description"),
        };
        session.LineItems.AddRange(lines);
        p.ApplyMetadata(session.Metadata);
        sd.ApplyMetadata(session.SubscriptionMetadata);
        c.State.Add(session);
        return c.Render(session);
    }

    /// <summary>
    /// Stripe checks <c>expires_at</c> against its own (real) clock: 30 minutes to 24 hours from now. The site computes
    /// it from real time too, so after the emulator clock was moved a month the request is still valid — and the
    /// session must then expire that far ahead on the emulator's own timeline, not in the emulator's past.
    /// </summary>
    private static long CheckoutExpiry(ApiContext c, long? requested)
    {
        if (requested is not { } at)
        {
            return c.Now + (24 * 3600);
        }

        var realNow = c.State.Clock.RealUtcNow.ToUnixTimeSeconds();
        if (at < realNow + (30 * 60))
        {
            throw ApiError.Invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
        }

        if (at > realNow + (24 * 3600))
        {
            throw ApiError.Invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
        }

        return c.Now + (at - realNow);
    }

    private static JsonObject ListCheckoutSessions(ApiContext c)
    {
        var p = c.Params;
        var customer = p.NonEmpty("customer");
        var subscription = p.NonEmpty("subscription");
        var status = p.NonEmpty("status");
        var items = c.State.All<CheckoutSessionEntity>(c.Account)
            .Where(x => customer is null || x.CustomerId == customer)
            .Where(x => subscription is null || x.SubscriptionId == subscription)
            .Where(x => status is null || x.Status == status);
        return c.State.Page(items, p, "/v1/checkout/sessions");
    }

    private static JsonObject ExpireCheckoutSession(ApiContext c)
    {
        var session = c.State.Get<CheckoutSessionEntity>(c.Id, c.Account, "checkout.session");
        if (session.Status != "open")
        {
            throw ApiError.Invalid($"Only Checkout Sessions with a status of open can be expired (this one is {session.Status}).");
        }

        c.Billing.ExpireSession(session);
        return c.Render(session);
    }

    // ------------------------------------------------------------------ subscriptions

    private static JsonObject CreateSubscription(ApiContext c)
    {
        var p = c.Params;
        var customer = LiveCustomer(c, p.NonEmpty("customer") ?? throw ApiError.Missing("customer"), "customer");
        var nodes = p.List("items");
        if (nodes.Count == 0)
        {
            throw ApiError.Missing("items");
        }

        var items = new List<(PriceEntity, long)>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var price = c.State.Get<PriceEntity>(nodes[i].NonEmpty("price") ?? throw ApiError.Missing($"items[{i}][price]"), c.Account, "price", $"items[{i}][price]");
            if (!price.Recurring || !price.Active)
            {
                throw ApiError.Invalid($"The price {price.Id} must be active and recurring.", $"items[{i}][price]");
            }

            if (items.Count > 0 && (items[0].Item1.Currency != price.Currency || items[0].Item1.Interval != price.Interval || items[0].Item1.IntervalCount != price.IntervalCount))
            {
                throw ApiError.Invalid("All prices on a subscription must share currency and interval.", $"items[{i}][price]");
            }

            items.Add((price, nodes[i].Long("quantity") ?? 1));
        }

        string? pm = null;
        if (p.NonEmpty("default_payment_method") is { } pmId)
        {
            var method = c.State.Get<PaymentMethodEntity>(pmId, c.Account, "PaymentMethod", "default_payment_method");
            if (method.CustomerId != customer.Id)
            {
                throw ApiError.Invalid("The payment method must be attached to the customer.", "default_payment_method");
            }

            pm = method.Id;
        }

        long? trialEnd = p.Str("trial_end") == "now" ? null : p.Long("trial_end");
        if (p.Long("trial_period_days") is { } days and > 0)
        {
            trialEnd = c.Now + (days * 86_400);
        }

        var metadata = new Dictionary<string, string>();
        p.ApplyMetadata(metadata);
        var setup = new SubscriptionSetup(trialEnd, p.Decimal("application_fee_percent"), p.Path("transfer_data", "destination")?.Value is { Length: > 0 } d ? d : null, p.NonEmpty("description"), metadata, pm);
        var sub = c.Billing.CreateSubscription(customer, items, setup, onSession: false, out var invoice);
        c.State.Emit("customer.subscription.created", sub);
        c.Billing.EmitInvoiceOutcome(invoice);
        return c.Render(sub);
    }

    private static JsonObject UpdateSubscription(ApiContext c)
    {
        var sub = c.State.Get<SubscriptionEntity>(c.Id, c.Account, "subscription");
        c.Billing.UpdateSubscription(sub, c.Params);
        return c.Render(sub);
    }

    private static JsonObject CancelSubscription(ApiContext c)
    {
        var sub = c.State.Get<SubscriptionEntity>(c.Id, c.Account, "subscription");
        if (sub.IsEnded)
        {
            throw ApiError.Invalid($"No such subscription: '{sub.Id}' (it is already canceled).", "id", "resource_missing");
        }

        c.Billing.CancelNow(sub, "cancellation_requested", c.Params.Path("cancellation_details", "comment")?.Value);
        return c.Render(sub);
    }

    private static JsonObject ListSubscriptions(ApiContext c)
    {
        var p = c.Params;
        var customer = p.NonEmpty("customer");
        var price = p.NonEmpty("price");
        var status = p.NonEmpty("status");
        var items = c.State.All<SubscriptionEntity>(c.Account)
            .Where(x => customer is null || x.CustomerId == customer)
            .Where(x => price is null || x.Items.Any(i => i.PriceId == price))
            .Where(x => status switch
            {
                null => x.Status != "canceled",
                "all" => true,
                "ended" => x.IsEnded,
                _ => x.Status == status,
            });
        return c.State.Page(items, p, "/v1/subscriptions");
    }

    private static JsonObject ListSubscriptionItems(ApiContext c)
    {
        var subId = c.Params.NonEmpty("subscription") ?? throw ApiError.Missing("subscription");
        var sub = c.State.Get<SubscriptionEntity>(subId, c.Account, "subscription", "subscription");
        return c.State.Page(sub.Items, c.Params, $"/v1/subscription_items?subscription={sub.Id}");
    }

    private static JsonObject UpdateSubscriptionItem(ApiContext c)
    {
        var item = c.State.Get<SubscriptionItemEntity>(c.Id, c.Account, "subscription_item");
        var sub = c.State.Get<SubscriptionEntity>(item.SubscriptionId, c.Account, "subscription");
        var p = c.Params;
        var forwarded = new ParamNode();
        forwarded.Add("items[0][id]", item.Id);
        foreach (var name in new[] { "price", "quantity" })
        {
            if (p.NonEmpty(name) is { } v)
            {
                forwarded.Add($"items[0][{name}]", v);
            }
        }

        foreach (var name in new[] { "proration_behavior", "proration_date" })
        {
            if (p.NonEmpty(name) is { } v)
            {
                forwarded.Add(name, v);
            }
        }

        p.ApplyMetadata(item.Metadata);
        c.Billing.UpdateSubscription(sub, forwarded);
        return c.Render(item);
    }

    // ------------------------------------------------------------------ invoices, charges, refunds

    private static JsonObject ListInvoices(ApiContext c)
    {
        var p = c.Params;
        var customer = p.NonEmpty("customer");
        var subscription = p.NonEmpty("subscription");
        var status = p.NonEmpty("status");
        var items = c.State.All<InvoiceEntity>(c.Account)
            .Where(x => customer is null || x.CustomerId == customer)
            .Where(x => subscription is null || x.SubscriptionId == subscription)
            .Where(x => status is null || x.Status == status);
        return c.State.Page(items, p, "/v1/invoices");
    }

    private static JsonObject PayInvoice(ApiContext c)
    {
        var invoice = c.State.Get<InvoiceEntity>(c.Id, c.Account, "invoice");
        if (invoice.Status != "open")
        {
            throw ApiError.Invalid($"Invoice is already {invoice.Status}.", code: "invoice_not_open");
        }

        c.Billing.Retry(invoice, onSession: false, consumesSchedule: false);
        if (invoice.Status != "paid")
        {
            throw ApiError.Card("Your card was declined.", "card_declined", "generic_decline");
        }

        return c.Render(invoice);
    }

    private static JsonObject ListCharges(ApiContext c)
    {
        var p = c.Params;
        var customer = p.NonEmpty("customer");
        var pi = p.NonEmpty("payment_intent");
        var items = c.State.All<ChargeEntity>(c.Account)
            .Where(x => customer is null || x.CustomerId == customer)
            .Where(x => pi is null || x.PaymentIntentId == pi);
        return c.State.Page(items, p, "/v1/charges");
    }

    private static JsonObject CreateRefund(ApiContext c)
    {
        var p = c.Params;
        ChargeEntity charge;
        if (p.NonEmpty("charge") is { } chargeId)
        {
            charge = c.State.Get<ChargeEntity>(chargeId, c.Account, "charge", "charge");
        }
        else if (p.NonEmpty("payment_intent") is { } piId)
        {
            var pi = c.State.Get<PaymentIntentEntity>(piId, c.Account, "payment_intent", "payment_intent");
            if (pi.Status != "succeeded" || pi.LatestChargeId is null)
            {
                throw ApiError.Invalid($"This PaymentIntent ({pi.Id}) does not have a successful charge to refund.", "payment_intent", "charge_not_refundable");
            }

            charge = c.State.Find<ChargeEntity>(pi.LatestChargeId)!;
        }
        else
        {
            throw ApiError.Invalid("One of the following params should be provided for this request: payment_intent or charge.", code: "parameter_missing");
        }

        if (!charge.Succeeded)
        {
            throw ApiError.Invalid($"Charge {charge.Id} did not succeed and cannot be refunded.", "charge", "charge_not_refundable");
        }

        var refundable = charge.Amount - charge.AmountRefunded;
        if (refundable <= 0)
        {
            throw ApiError.Invalid($"Charge {charge.Id} has already been refunded.", "charge", "charge_already_refunded");
        }

        var amount = p.Long("amount") ?? refundable;
        if (amount <= 0)
        {
            throw ApiError.Invalid("Refund amount must be positive.", "amount");
        }

        if (amount > refundable)
        {
            throw ApiError.Invalid(
                $"Refund amount ({Json.Money(amount, charge.Currency)}) is greater than unrefunded amount on charge ({Json.Money(refundable, charge.Currency)})",
                "amount",
                "amount_too_large");
        }

        var reason = p.NonEmpty("reason");
        if (reason is not (null or "duplicate" or "fraudulent" or "requested_by_customer"))
        {
            throw ApiError.Invalid("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
        }

        var before = c.State.Snapshot(charge);
        var refund = new RefundEntity
        {
            Id = EmulatorState.NewId("re_"),
            Scope = c.Account,
            Created = c.Now,
            Amount = amount,
            ChargeId = charge.Id,
            PaymentIntentId = charge.PaymentIntentId,
            Currency = charge.Currency,
            Reason = reason,
        };
        p.ApplyMetadata(refund.Metadata);
        c.State.Add(refund);
        charge.RefundIds.Add(refund.Id);
        charge.AmountRefunded += amount;
        var previous = new JsonObject
        {
            ["amount_refunded"] = before["amount_refunded"]?.DeepClone(),
            ["refunded"] = before["refunded"]?.DeepClone(),
        };
        c.State.Emit("charge.refunded", charge, previous);
        return c.Render(refund);
    }

    private static JsonObject ListRefunds(ApiContext c)
    {
        var p = c.Params;
        var charge = p.NonEmpty("charge");
        var pi = p.NonEmpty("payment_intent");
        var items = c.State.All<RefundEntity>(c.Account)
            .Where(x => charge is null || x.ChargeId == charge)
            .Where(x => pi is null || x.PaymentIntentId == pi);
        return c.State.Page(items, p, "/v1/refunds");
    }

    // ------------------------------------------------------------------ billing portal

    private static JsonObject CreatePortalSession(ApiContext c)
    {
        var p = c.Params;
        var customer = LiveCustomer(c, p.NonEmpty("customer") ?? throw ApiError.Missing("customer"), "customer");
        var returnUrl = Url(p, "return_url");
        PortalConfigurationEntity config;
        if (p.NonEmpty("configuration") is { } configId)
        {
            config = c.State.Get<PortalConfigurationEntity>(configId, c.Account, "configuration", "configuration");
            if (!config.Active)
            {
                throw ApiError.Invalid($"The configuration {config.Id} is not active. Activate it or create the session with another configuration.", "configuration");
            }
        }
        else
        {
            // Like Stripe: without a configuration the session uses the account's default (made here if there is none yet).
            config = PortalConfigurationEntity.Default(c.State, c.Account, create: true);
        }

        var session = new PortalSessionEntity
        {
            Id = EmulatorState.NewId("bps_"),
            Scope = c.Account,
            Created = c.Now,
            CustomerId = customer.Id,
            ConfigurationId = config.Id,
            ReturnUrl = returnUrl ?? config.DefaultReturnUrl,
        };
        c.State.Add(session);
        return c.Render(session);
    }

    // ------------------------------------------------------------------ connect

    private static JsonObject CreateAccount(ApiContext c) => PlatformOnly(c, () =>
    {
        var p = c.Params;
        var type = p.NonEmpty("type") ?? "express";
        if (type is not ("express" or "standard" or "custom"))
        {
            throw ApiError.Invalid("Invalid type: must be one of custom, express, or standard", "type");
        }

        var country = (p.NonEmpty("country") ?? "US").ToUpperInvariant();
        var account = new AccountEntity
        {
            Id = EmulatorState.NewId("acct_", 16),
            Created = c.Now,
            Type = type,
            Email = p.NonEmpty("email"),
            Country = country,
            DefaultCurrency = country switch { "GB" => "gbp", "US" => "usd", "CA" => "cad", "AU" => "aud", "JP" => "jpy", _ => "eur" },
            BusinessType = p.NonEmpty("business_type"),
            BusinessName = p.Path("business_profile", "name")?.Value,
            BusinessUrl = p.Path("business_profile", "url")?.Value,
        };
        if (p.Child("capabilities") is { } caps)
        {
            foreach (var key in caps.Keys)
            {
                if (caps.Child(key)!.Bool("requested") == true)
                {
                    account.RequestedCapabilities.Add(key);
                }
            }
        }

        if (account.RequestedCapabilities.Count == 0)
        {
            account.RequestedCapabilities.Add("card_payments");
            account.RequestedCapabilities.Add("transfers");
        }

        p.ApplyMetadata(account.Metadata);
        c.State.Add(account);
        return c.Render(account);
    });

    private static JsonObject UpdateAccount(ApiContext c)
    {
        var p = c.Params;
        var account = GetConnectedAccount(c, c.Id);
        var before = c.State.Snapshot(account);
        if (p.Has("email"))
        {
            account.Email = p.NonEmpty("email");
        }

        if (p.Path("business_profile", "name") is { } name)
        {
            account.BusinessName = string.IsNullOrEmpty(name.Value) ? null : name.Value;
        }

        if (p.Path("business_profile", "url") is { } url)
        {
            account.BusinessUrl = string.IsNullOrEmpty(url.Value) ? null : url.Value;
        }

        p.ApplyMetadata(account.Metadata);
        c.State.EmitChanged("account.updated", account, before, account.Id);
        return c.Render(account);
    }

    private static JsonObject CreateAccountLink(ApiContext c) => PlatformOnly(c, () =>
    {
        var p = c.Params;
        var account = c.State.Get<AccountEntity>(p.NonEmpty("account") ?? throw ApiError.Missing("account"), null, "account", "account");
        if (account.IsPlatform)
        {
            throw ApiError.Invalid("Account links are for connected accounts.", "account");
        }

        var type = p.NonEmpty("type") ?? throw ApiError.Missing("type");
        if (type is not ("account_onboarding" or "account_update"))
        {
            throw ApiError.Invalid("Invalid type: must be one of account_onboarding or account_update", "type");
        }

        var link = new AccountLinkEntity
        {
            Id = EmulatorState.NewId("acctlink_"),
            Created = c.Now,
            ExpiresAt = c.Now + 300,
            AccountId = account.Id,
            RefreshUrl = Url(p, "refresh_url", required: true)!,
            ReturnUrl = Url(p, "return_url", required: true)!,
            Type = type,
        };
        c.State.Add(link);
        return link.Render(new RenderContext(c.State));
    });

    // ------------------------------------------------------------------ events

    private static JsonObject ListEvents(ApiContext c)
    {
        var p = c.Params;
        var type = p.NonEmpty("type");
        var types = p.StrList("types");
        bool Matches(string t, string pattern) =>
            pattern.EndsWith('*') ? t.StartsWith(pattern[..^1], StringComparison.Ordinal) : t == pattern;
        var items = c.State.All<EventEntity>(c.Account)
            .Where(e => type is null || Matches(e.Type, type))
            .Where(e => types.Count == 0 || types.Any(t => Matches(e.Type, t)));
        return c.State.Page(items, p, "/v1/events");
    }
}
