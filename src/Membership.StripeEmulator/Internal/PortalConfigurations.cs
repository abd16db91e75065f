using System.Text.Json.Nodes;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// A billing portal configuration (<c>bpc_</c>), with the fields Stripe has
/// (https://docs.stripe.com/api/customer_portal/configuration): what the hosted portal offers a customer.
/// </summary>
internal sealed class PortalConfigurationEntity : Entity
{
    public static readonly string[] CancellationReasons =
        ["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"];

    public override string ObjectType => "billing_portal.configuration";

    public bool Active { get; set; } = true;

    public bool IsDefault { get; init; }

    /// <summary>
    /// The default the emulator made because the account had none (Stripe's Dashboard default). While its
    /// product list is empty it offers the old plan choices (the subscribed product's prices, widened by
    /// <see cref="StripeEmulatorOptions.PortalProductFamilyMetadataKey"/>).
    /// </summary>
    public bool MadeByEmulator { get; init; }

    public string? Name { get; set; }

    public string? DefaultReturnUrl { get; set; }

    public string? Headline { get; set; }

    public string? PrivacyPolicyUrl { get; set; }

    public string? TermsOfServiceUrl { get; set; }

    public bool CustomerUpdateEnabled { get; set; }

    public List<string> CustomerUpdateAllowed { get; } = [];

    public bool InvoiceHistoryEnabled { get; set; }

    public bool PaymentMethodUpdateEnabled { get; set; }

    public bool CancelEnabled { get; set; }

    /// <summary>at_period_end or immediately.</summary>
    public string CancelMode { get; set; } = "at_period_end";

    public string CancelProrationBehavior { get; set; } = "none";

    public bool CancellationReasonEnabled { get; set; }

    public List<string> CancellationReasonOptions { get; } = [];

    public bool UpdateEnabled { get; set; }

    /// <summary>price, quantity, promotion_code.</summary>
    public List<string> DefaultAllowedUpdates { get; } = [];

    public List<PortalProduct> Products { get; } = [];

    /// <summary>none (Stripe's default), create_prorations or always_invoice.</summary>
    public string UpdateProrationBehavior { get; set; } = "none";

    /// <summary>end_trial (Stripe's default) or continue_trial.</summary>
    public string TrialUpdateBehavior { get; set; } = "end_trial";

    public long Updated { get; set; }

    public Dictionary<string, string> Metadata { get; } = [];

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["active"] = Active;
        o["application"] = null;
        o["business_profile"] = new JsonObject
        {
            ["headline"] = Headline,
            ["privacy_policy_url"] = PrivacyPolicyUrl,
            ["terms_of_service_url"] = TermsOfServiceUrl,
        };
        o["created"] = Created;
        o["default_return_url"] = DefaultReturnUrl;
        o["features"] = new JsonObject
        {
            ["customer_update"] = new JsonObject { ["allowed_updates"] = Json.Strings(CustomerUpdateAllowed), ["enabled"] = CustomerUpdateEnabled },
            ["invoice_history"] = new JsonObject { ["enabled"] = InvoiceHistoryEnabled },
            ["payment_method_update"] = new JsonObject { ["enabled"] = PaymentMethodUpdateEnabled, ["payment_method_configuration"] = null },
            ["subscription_cancel"] = new JsonObject
            {
                ["cancellation_reason"] = new JsonObject { ["enabled"] = CancellationReasonEnabled, ["options"] = Json.Strings(CancellationReasonOptions) },
                ["enabled"] = CancelEnabled,
                ["mode"] = CancelMode,
                ["proration_behavior"] = CancelProrationBehavior,
            },
            ["subscription_pause"] = new JsonObject { ["enabled"] = false },
            ["subscription_update"] = new JsonObject
            {
                ["billing_cycle_anchor"] = null,
                ["default_allowed_updates"] = Json.Strings(DefaultAllowedUpdates),
                ["enabled"] = UpdateEnabled,
                ["products"] = new JsonArray(Products.Select(p => (JsonNode)new JsonObject
                {
                    ["adjustable_quantity"] = new JsonObject { ["enabled"] = false, ["maximum"] = null, ["minimum"] = 1 },
                    ["prices"] = Json.Strings(p.Prices),
                    ["product"] = p.ProductId,
                }).ToArray()),
                ["proration_behavior"] = UpdateProrationBehavior,
                ["schedule_at_period_end"] = new JsonObject { ["conditions"] = new JsonArray() },
                ["trial_update_behavior"] = TrialUpdateBehavior,
            },
        };
        o["is_default"] = IsDefault;
        o["livemode"] = false;
        o["login_page"] = new JsonObject { ["enabled"] = false, ["url"] = null };
        o["metadata"] = Json.Meta(Metadata);
        o["name"] = Name;
        o["updated"] = Updated;
        return o;
    }

    /// <summary>The account's default configuration; made (like the Dashboard's first save) when it has none and <paramref name="create"/>.</summary>
    public static PortalConfigurationEntity Default(EmulatorState state, string? scope, bool create)
    {
        var existing = state.All<PortalConfigurationEntity>(scope).FirstOrDefault(c => c.IsDefault);
        if (existing is not null)
        {
            return existing;
        }

        var made = new PortalConfigurationEntity
        {
            Id = EmulatorState.NewId("bpc_"),
            Scope = scope,
            Created = state.Now,
            Updated = state.Now,
            IsDefault = true,
            MadeByEmulator = true,
            InvoiceHistoryEnabled = true,
            PaymentMethodUpdateEnabled = true,
            CancelEnabled = true,
            UpdateEnabled = true,
            UpdateProrationBehavior = state.Options.PortalProrationBehavior,
            // The emulator's portal kept a trial through a plan change before configurations existed.
            TrialUpdateBehavior = "continue_trial",
        };
        made.DefaultAllowedUpdates.Add("price");
        made.CancellationReasonOptions.AddRange(CancellationReasons);
        return create ? state.Add(made) : made;
    }
}

/// <summary>One entry of <c>features.subscription_update.products</c>: a product and the prices a subscription may move to.</summary>
internal sealed class PortalProduct
{
    public required string ProductId { get; init; }

    public List<string> Prices { get; } = [];
}

/// <summary><c>/v1/billing_portal/configurations</c>: create, retrieve, update, list.</summary>
internal sealed partial class ApiRoutes
{
    private const string ConfigurationFeatures =
        "business_profile{headline privacy_policy_url terms_of_service_url} default_return_url name " +
        "features{customer_update{allowed_updates[] enabled} invoice_history{enabled} payment_method_update{enabled} " +
        "subscription_cancel{cancellation_reason{enabled options[]} enabled mode proration_behavior} " +
        "subscription_update{default_allowed_updates[] enabled products[]{prices[] product} proration_behavior trial_update_behavior}} " +
        "metadata{*} expand[]";

    private void MapPortalConfigurations()
    {
        Map("POST", "/v1/billing_portal/configurations", CreatePortalConfiguration, "billing_portal.configuration", ConfigurationFeatures);
        Map("GET", "/v1/billing_portal/configurations", ListPortalConfigurations, "list:billing_portal.configuration", $"active is_default {Paging}");
        Map("GET", "/v1/billing_portal/configurations/{id}", c => c.Render(c.State.Get<PortalConfigurationEntity>(c.Id, c.Account, "configuration")), "billing_portal.configuration", Expand);
        Map("POST", "/v1/billing_portal/configurations/{id}", UpdatePortalConfiguration, "billing_portal.configuration", "active " + ConfigurationFeatures);
    }

    private static JsonObject CreatePortalConfiguration(ApiContext c)
    {
        var p = c.Params;
        if (p.Child("features") is not { HasChildren: true })
        {
            throw ApiError.Missing("features");
        }

        var config = new PortalConfigurationEntity
        {
            Id = EmulatorState.NewId("bpc_"),
            Scope = c.Account,
            Created = c.Now,
            Updated = c.Now,
        };
        config.CancellationReasonOptions.AddRange(PortalConfigurationEntity.CancellationReasons);
        ApplyPortalConfiguration(c, config, p, creating: true);
        c.State.Add(config);
        return c.Render(config);
    }

    private static JsonObject UpdatePortalConfiguration(ApiContext c)
    {
        var p = c.Params;
        var config = c.State.Get<PortalConfigurationEntity>(c.Id, c.Account, "configuration");
        if (p.Bool("active") is { } active)
        {
            if (!active && config.IsDefault)
            {
                throw ApiError.Invalid("You cannot deactivate the default configuration.", "active");
            }

            config.Active = active;
        }

        ApplyPortalConfiguration(c, config, p, creating: false);
        config.Updated = c.Now;
        return c.Render(config);
    }

    private static JsonObject ListPortalConfigurations(ApiContext c)
    {
        var active = c.Params.Bool("active");
        var isDefault = c.Params.Bool("is_default");
        var items = c.State.All<PortalConfigurationEntity>(c.Account)
            .Where(x => active is null || x.Active == active)
            .Where(x => isDefault is null || x.IsDefault == isDefault);
        return c.State.Page(items, c.Params, "/v1/billing_portal/configurations");
    }

    /// <summary>Validates everything given, then applies it (lists given replace the old ones; an empty value clears them).</summary>
    private static void ApplyPortalConfiguration(ApiContext c, PortalConfigurationEntity config, ParamNode p, bool creating)
    {
        const string F = "features";
        var features = p.Child(F) ?? new ParamNode();

        bool? Enabled(string feature)
        {
            if (features.Child(feature) is not { } node)
            {
                return null;
            }

            var enabled = node.Bool("enabled");
            return creating && enabled is null ? throw ApiError.Missing($"{F}[{feature}][enabled]") : enabled;
        }

        List<string>? Values(ParamNode? node, string name, string param, IReadOnlyCollection<string> allowed)
        {
            if (node?.Has(name) != true)
            {
                return null;
            }

            var values = node.StrList(name).ToList();
            foreach (var v in values.Where(v => !allowed.Contains(v)))
            {
                throw ApiError.Invalid($"Invalid {param}[]: must be one of {string.Join(", ", allowed)}", param);
            }

            return values;
        }

        string? OneOf(ParamNode? node, string name, string param, params string[] allowed)
        {
            var value = node?.NonEmpty(name);
            return value is null || allowed.Contains(value)
                ? value
                : throw ApiError.Invalid($"Invalid {param}: must be one of {string.Join(", ", allowed)}", param);
        }

        var customerUpdate = features.Child("customer_update");
        var customerUpdateEnabled = Enabled("customer_update");
        var allowedUpdates = Values(customerUpdate, "allowed_updates", $"{F}[customer_update][allowed_updates]", ["address", "email", "name", "phone", "shipping", "tax_id"]);
        var invoiceHistory = Enabled("invoice_history");
        var paymentMethodUpdate = Enabled("payment_method_update");

        var cancel = features.Child("subscription_cancel");
        var cancelEnabled = Enabled("subscription_cancel");
        var cancelMode = OneOf(cancel, "mode", $"{F}[subscription_cancel][mode]", "at_period_end", "immediately");
        var cancelProration = OneOf(cancel, "proration_behavior", $"{F}[subscription_cancel][proration_behavior]", "none", "create_prorations");
        var reason = cancel?.Child("cancellation_reason");
        var reasonEnabled = reason?.Bool("enabled");
        if (creating && reason is not null && reasonEnabled is null)
        {
            throw ApiError.Missing($"{F}[subscription_cancel][cancellation_reason][enabled]");
        }

        var reasonOptions = Values(reason, "options", $"{F}[subscription_cancel][cancellation_reason][options]", PortalConfigurationEntity.CancellationReasons);

        var update = features.Child("subscription_update");
        var updateEnabled = Enabled("subscription_update");
        var defaultAllowed = Values(update, "default_allowed_updates", $"{F}[subscription_update][default_allowed_updates]", ["price", "promotion_code", "quantity"]);
        var updateProration = OneOf(update, "proration_behavior", $"{F}[subscription_update][proration_behavior]", "none", "create_prorations", "always_invoice");
        var trialBehavior = OneOf(update, "trial_update_behavior", $"{F}[subscription_update][trial_update_behavior]", "end_trial", "continue_trial");
        List<PortalProduct>? products = null;
        if (update?.Has("products") == true)
        {
            products = [];
            var nodes = update.List("products");
            if (nodes.Count > 10)
            {
                throw ApiError.Invalid("You can offer at most 10 products for subscription updates.", $"{F}[subscription_update][products]");
            }

            for (var i = 0; i < nodes.Count; i++)
            {
                var param = $"{F}[subscription_update][products][{i}]";
                var productId = nodes[i].NonEmpty("product") ?? throw ApiError.Missing(param + "[product]");
                var product = c.State.Get<ProductEntity>(productId, c.Account, "product", param + "[product]");
                var prices = nodes[i].StrList("prices");
                if (prices.Count == 0)
                {
                    throw ApiError.Missing(param + "[prices]");
                }

                var entry = new PortalProduct { ProductId = product.Id };
                foreach (var priceId in prices)
                {
                    var price = c.State.Get<PriceEntity>(priceId, c.Account, "price", param + "[prices]");
                    if (price.ProductId != product.Id)
                    {
                        throw ApiError.Invalid($"The price {price.Id} does not belong to the product {product.Id}.", param + "[prices]");
                    }

                    if (!price.Recurring)
                    {
                        throw ApiError.Invalid($"The price {price.Id} is not recurring; the portal only updates subscriptions to recurring prices.", param + "[prices]");
                    }

                    entry.Prices.Add(price.Id);
                }

                products.Add(entry);
            }
        }

        var business = p.Child("business_profile");
        if (business?.NonEmpty("headline") is { Length: > 60 })
        {
            throw ApiError.Invalid("business_profile[headline] is limited to 60 characters.", "business_profile[headline]");
        }

        var returnUrl = p.NonEmpty("default_return_url");
        if (returnUrl is not null && !Uri.TryCreate(returnUrl, UriKind.Absolute, out _))
        {
            throw ApiError.Invalid($"Not a valid URL: {returnUrl}", "default_return_url", "url_invalid");
        }

        // Everything checked: apply.
        if (business is not null)
        {
            if (business.Has("headline"))
            {
                config.Headline = business.NonEmpty("headline");
            }

            if (business.Has("privacy_policy_url"))
            {
                config.PrivacyPolicyUrl = business.NonEmpty("privacy_policy_url");
            }

            if (business.Has("terms_of_service_url"))
            {
                config.TermsOfServiceUrl = business.NonEmpty("terms_of_service_url");
            }
        }

        if (p.Has("default_return_url"))
        {
            config.DefaultReturnUrl = returnUrl;
        }

        if (p.Has("name"))
        {
            config.Name = p.NonEmpty("name");
        }

        config.CustomerUpdateEnabled = customerUpdateEnabled ?? config.CustomerUpdateEnabled;
        Replace(config.CustomerUpdateAllowed, allowedUpdates);
        config.InvoiceHistoryEnabled = invoiceHistory ?? config.InvoiceHistoryEnabled;
        config.PaymentMethodUpdateEnabled = paymentMethodUpdate ?? config.PaymentMethodUpdateEnabled;
        config.CancelEnabled = cancelEnabled ?? config.CancelEnabled;
        config.CancelMode = cancelMode ?? config.CancelMode;
        config.CancelProrationBehavior = cancelProration ?? config.CancelProrationBehavior;
        config.CancellationReasonEnabled = reasonEnabled ?? config.CancellationReasonEnabled;
        Replace(config.CancellationReasonOptions, reasonOptions);
        config.UpdateEnabled = updateEnabled ?? config.UpdateEnabled;
        Replace(config.DefaultAllowedUpdates, defaultAllowed);
        config.UpdateProrationBehavior = updateProration ?? config.UpdateProrationBehavior;
        config.TrialUpdateBehavior = trialBehavior ?? config.TrialUpdateBehavior;
        Replace(config.Products, products);
        p.ApplyMetadata(config.Metadata);
    }

    private static void Replace<T>(List<T> target, List<T>? values)
    {
        if (values is not null)
        {
            target.Clear();
            target.AddRange(values);
        }
    }
}
