using System.Globalization;
using System.Text.Json.Nodes;

namespace Membership.StripeEmulator.Internal;

/// <summary>What an entity's <see cref="Entity.Render"/> may look at.</summary>
internal sealed class RenderContext(EmulatorState state, IReadOnlySet<string>? includes = null)
{
    public EmulatorState State { get; } = state;

    /// <summary>Optional fields asked for with <c>expand[]</c> at this level (e.g. a session's <c>line_items</c>).</summary>
    public IReadOnlySet<string> Includes { get; } = includes ?? new HashSet<string>();
}

/// <summary>An object the emulator stores. Ids are unique across types.</summary>
internal abstract class Entity
{
    public required string Id { get; init; }

    /// <summary>The connected account the object lives on (<c>Stripe-Account</c>), or null for the platform.</summary>
    public string? Scope { get; init; }

    public long Created { get; init; }

    public long Seq { get; set; }

    public abstract string ObjectType { get; }

    public abstract JsonObject Render(RenderContext ctx);

    protected JsonObject Head() => new()
    {
        ["id"] = Id,
        ["object"] = ObjectType,
    };
}

internal static class Json
{
    public static JsonObject Meta(Dictionary<string, string> metadata)
    {
        var o = new JsonObject();
        foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }

    public static JsonObject List(string url, IEnumerable<JsonNode> items, bool hasMore = false, long? totalCount = null)
    {
        var data = new JsonArray();
        foreach (var i in items)
        {
            data.Add(i);
        }

        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["has_more"] = hasMore,
            ["url"] = url,
        };
        if (totalCount is not null)
        {
            list["total_count"] = totalCount;
        }

        return list;
    }

    public static JsonArray Strings(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (var v in values)
        {
            a.Add(v);
        }

        return a;
    }

    public static string Money(long amount, string currency) =>
        currency.ToUpperInvariant() + " " + (amount / 100m).ToString("0.00", CultureInfo.InvariantCulture);
}

internal sealed class AccountEntity : Entity
{
    public override string ObjectType => "account";

    public string Type { get; set; } = "express";

    public string? Email { get; set; }

    public string Country { get; set; } = "US";

    public string DefaultCurrency { get; set; } = "usd";

    public string? BusinessType { get; set; }

    public string? BusinessName { get; set; }

    public string? BusinessUrl { get; set; }

    public bool IsPlatform { get; init; }

    public bool ChargesEnabled { get; set; }

    public bool PayoutsEnabled { get; set; }

    public bool DetailsSubmitted { get; set; }

    public HashSet<string> RequestedCapabilities { get; } = [];

    public Dictionary<string, string> Metadata { get; } = [];

    private static readonly string[] Due =
    [
        "business_profile.mcc", "business_profile.url", "business_type", "external_account",
        "individual.dob.day", "individual.email", "individual.first_name", "individual.last_name",
        "tos_acceptance.date", "tos_acceptance.ip",
    ];

    public override JsonObject Render(RenderContext ctx)
    {
        var capabilities = new JsonObject();
        foreach (var c in RequestedCapabilities.Order(StringComparer.Ordinal))
        {
            capabilities[c] = ChargesEnabled ? "active" : "inactive";
        }

        var due = ChargesEnabled ? [] : Due;
        var o = Head();
        o["business_profile"] = new JsonObject
        {
            ["mcc"] = null,
            ["name"] = BusinessName,
            ["product_description"] = null,
            ["support_email"] = null,
            ["url"] = BusinessUrl,
        };
        o["business_type"] = BusinessType;
        o["capabilities"] = capabilities;
        o["charges_enabled"] = ChargesEnabled;
        o["country"] = Country;
        o["created"] = Created;
        o["default_currency"] = DefaultCurrency;
        o["details_submitted"] = DetailsSubmitted;
        o["email"] = Email;
        o["future_requirements"] = Requirements([], null);
        o["metadata"] = Json.Meta(Metadata);
        o["payouts_enabled"] = PayoutsEnabled;
        o["requirements"] = Requirements(due, ChargesEnabled ? null : "requirements.past_due");
        o["type"] = Type;
        return o;
    }

    private static JsonObject Requirements(IEnumerable<string> due, string? disabledReason)
    {
        var list = due.ToList();
        return new JsonObject
        {
            ["alternatives"] = new JsonArray(),
            ["current_deadline"] = null,
            ["currently_due"] = Json.Strings(list),
            ["disabled_reason"] = disabledReason,
            ["errors"] = new JsonArray(),
            ["eventually_due"] = Json.Strings(list),
            ["past_due"] = Json.Strings(list),
            ["pending_verification"] = new JsonArray(),
        };
    }
}

internal sealed class AccountLinkEntity : Entity
{
    public override string ObjectType => "account_link";

    public required string AccountId { get; init; }

    public required string RefreshUrl { get; init; }

    public required string ReturnUrl { get; init; }

    public string Type { get; init; } = "account_onboarding";

    public long ExpiresAt { get; init; }

    public bool Used { get; set; }

    public string Url(EmulatorState state) => state.HostedUrl("/setup/e/" + Id);

    public override JsonObject Render(RenderContext ctx) => new()
    {
        ["object"] = ObjectType,
        ["created"] = Created,
        ["expires_at"] = ExpiresAt,
        ["url"] = Url(ctx.State),
    };
}

internal sealed class ProductEntity : Entity
{
    public override string ObjectType => "product";

    public required string Name { get; set; }

    public string? Description { get; set; }

    public bool Active { get; set; } = true;

    public string? DefaultPriceId { get; set; }

    public long Updated { get; set; }

    public string? Url { get; set; }

    public List<string> Images { get; set; } = [];

    public Dictionary<string, string> Metadata { get; } = [];

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["active"] = Active;
        o["created"] = Created;
        o["default_price"] = DefaultPriceId;
        o["description"] = Description;
        o["images"] = Json.Strings(Images);
        o["livemode"] = false;
        o["marketing_features"] = new JsonArray();
        o["metadata"] = Json.Meta(Metadata);
        o["name"] = Name;
        o["package_dimensions"] = null;
        o["shippable"] = null;
        o["statement_descriptor"] = null;
        o["tax_code"] = null;
        o["type"] = "service";
        o["unit_label"] = null;
        o["updated"] = Updated;
        o["url"] = Url;
        return o;
    }
}

internal sealed class PriceEntity : Entity
{
    public override string ObjectType => "price";

    public required string ProductId { get; init; }

    public required string Currency { get; init; }

    public long UnitAmount { get; init; }

    public bool Active { get; set; } = true;

    public string? Nickname { get; set; }

    public string? LookupKey { get; set; }

    /// <summary>day, week, month or year; null for one-time prices.</summary>
    public string? Interval { get; init; }

    public long IntervalCount { get; init; } = 1;

    public long? TrialPeriodDays { get; init; }

    public Dictionary<string, string> Metadata { get; } = [];

    public bool Recurring => Interval is not null;

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["active"] = Active;
        o["billing_scheme"] = "per_unit";
        o["created"] = Created;
        o["currency"] = Currency;
        o["custom_unit_amount"] = null;
        o["livemode"] = false;
        o["lookup_key"] = LookupKey;
        o["metadata"] = Json.Meta(Metadata);
        o["nickname"] = Nickname;
        o["product"] = ProductId;
        o["recurring"] = Recurring
            ? new JsonObject
            {
                ["interval"] = Interval,
                ["interval_count"] = IntervalCount,
                ["meter"] = null,
                ["trial_period_days"] = TrialPeriodDays,
                ["usage_type"] = "licensed",
            }
            : null;
        o["tax_behavior"] = "unspecified";
        o["tiers_mode"] = null;
        o["transform_quantity"] = null;
        o["type"] = Recurring ? "recurring" : "one_time";
        o["unit_amount"] = UnitAmount;
        o["unit_amount_decimal"] = UnitAmount.ToString(CultureInfo.InvariantCulture);
        return o;
    }

    /// <summary>The legacy <c>plan</c> view of a recurring price (still sent on subscription items).</summary>
    public JsonObject RenderAsPlan() => new()
    {
        ["id"] = Id,
        ["object"] = "plan",
        ["active"] = Active,
        ["amount"] = UnitAmount,
        ["amount_decimal"] = UnitAmount.ToString(CultureInfo.InvariantCulture),
        ["billing_scheme"] = "per_unit",
        ["created"] = Created,
        ["currency"] = Currency,
        ["interval"] = Interval,
        ["interval_count"] = IntervalCount,
        ["livemode"] = false,
        ["metadata"] = Json.Meta(Metadata),
        ["nickname"] = Nickname,
        ["product"] = ProductId,
        ["tiers_mode"] = null,
        ["transform_usage"] = null,
        ["trial_period_days"] = TrialPeriodDays,
        ["usage_type"] = "licensed",
    };

    public string Describe(EmulatorState state)
    {
        var product = state.Find<ProductEntity>(ProductId);
        var every = Interval is null ? "" : IntervalCount == 1 ? $" / {Interval}" : $" every {IntervalCount} {Interval}s";
        return $"{product?.Name ?? ProductId} — {Json.Money(UnitAmount, Currency)}{every}";
    }
}

internal sealed class CustomerEntity : Entity
{
    public override string ObjectType => "customer";

    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Phone { get; set; }

    public string? DefaultPaymentMethodId { get; set; }

    /// <summary>Stripe's customer balance: negative is credit applied to the next invoices.</summary>
    public long Balance { get; set; }

    public string? Currency { get; set; }

    public long NextInvoiceSequence { get; set; } = 1;

    public bool Deleted { get; set; }

    public Dictionary<string, string> Metadata { get; } = [];

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        if (Deleted)
        {
            o["deleted"] = true;
            return o;
        }

        o["address"] = null;
        o["balance"] = Balance;
        o["created"] = Created;
        o["currency"] = Currency;
        o["default_source"] = null;
        o["delinquent"] = ctx.State.All<InvoiceEntity>(Scope).Any(i => i.CustomerId == Id && i.Status == "open" && i.AttemptCount > 0);
        o["description"] = Description;
        o["email"] = Email;
        o["invoice_prefix"] = Id.Length > 12 ? Id[4..12].ToUpperInvariant() : Id.ToUpperInvariant();
        o["invoice_settings"] = new JsonObject
        {
            ["custom_fields"] = null,
            ["default_payment_method"] = DefaultPaymentMethodId,
            ["footer"] = null,
            ["rendering_options"] = null,
        };
        o["livemode"] = false;
        o["metadata"] = Json.Meta(Metadata);
        o["name"] = Name;
        o["next_invoice_sequence"] = NextInvoiceSequence;
        o["phone"] = Phone;
        o["preferred_locales"] = new JsonArray();
        o["shipping"] = null;
        o["tax_exempt"] = "none";
        o["test_clock"] = null;
        return o;
    }
}

internal sealed class PaymentMethodEntity : Entity
{
    public override string ObjectType => "payment_method";

    public string? CustomerId { get; set; }

    public required CardBehavior Card { get; init; }

    public long ExpMonth { get; init; } = 12;

    public long ExpYear { get; init; } = 2034;

    public string? BillingName { get; init; }

    public string? BillingEmail { get; init; }

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["billing_details"] = new JsonObject
        {
            ["address"] = null,
            ["email"] = BillingEmail,
            ["name"] = BillingName,
            ["phone"] = null,
        };
        o["card"] = CardJson();
        o["created"] = Created;
        o["customer"] = CustomerId;
        o["livemode"] = false;
        o["metadata"] = new JsonObject();
        o["type"] = "card";
        return o;
    }

    public JsonObject CardJson() => new()
    {
        ["brand"] = Card.Brand,
        ["country"] = "US",
        ["exp_month"] = ExpMonth,
        ["exp_year"] = ExpYear,
        ["fingerprint"] = "emu" + Card.Last4,
        ["funding"] = "credit",
        ["last4"] = Card.Last4,
    };
}

internal sealed record SessionLineItem(string Id, string PriceId, long Quantity);

internal sealed class CheckoutSessionEntity : Entity
{
    public override string ObjectType => "checkout.session";

    public string Mode { get; init; } = "subscription";

    public string Status { get; set; } = "open";

    public string PaymentStatus { get; set; } = "unpaid";

    public string? CustomerId { get; set; }

    public string? CustomerEmail { get; init; }

    public string? ClientReferenceId { get; init; }

    public required string SuccessUrl { get; init; }

    public string? CancelUrl { get; init; }

    public required string Currency { get; init; }

    public List<SessionLineItem> LineItems { get; } = [];

    public long ExpiresAt { get; init; }

    public string? SubscriptionId { get; set; }

    public string? InvoiceId { get; set; }

    public string? DetailsEmail { get; set; }

    public string? DetailsName { get; set; }

    public bool CustomerCreated { get; set; }

    // subscription_data
    public long? TrialPeriodDays { get; init; }

    public long? TrialEnd { get; init; }

    public decimal? ApplicationFeePercent { get; init; }

    public string? TransferDestination { get; init; }

    public string? SubscriptionDescription { get; init; }

    public Dictionary<string, string> SubscriptionMetadata { get; } = [];

    public Dictionary<string, string> Metadata { get; } = [];

    public long AmountTotal(EmulatorState state) =>
        HasTrial ? 0 : LineItems.Sum(li => (state.Find<PriceEntity>(li.PriceId)?.UnitAmount ?? 0) * li.Quantity);

    public bool HasTrial => TrialPeriodDays is > 0 || TrialEnd is not null;

    public string Url(EmulatorState state) => state.HostedUrl("/c/pay/" + Id);

    public override JsonObject Render(RenderContext ctx)
    {
        var state = ctx.State;
        var total = AmountTotal(state);
        var o = Head();
        o["after_expiration"] = null;
        o["allow_promotion_codes"] = null;
        o["amount_subtotal"] = total;
        o["amount_total"] = total;
        o["billing_address_collection"] = null;
        o["cancel_url"] = CancelUrl;
        o["client_reference_id"] = ClientReferenceId;
        o["created"] = Created;
        o["currency"] = Currency;
        o["customer"] = CustomerId;
        o["customer_creation"] = CustomerCreated || (Status == "open" && CustomerId is null) ? "always" : null;
        o["customer_details"] = Status == "complete"
            ? new JsonObject
            {
                ["address"] = null,
                ["email"] = DetailsEmail,
                ["name"] = DetailsName,
                ["phone"] = null,
                ["tax_exempt"] = "none",
                ["tax_ids"] = new JsonArray(),
            }
            : null;
        o["customer_email"] = CustomerEmail;
        o["expires_at"] = ExpiresAt;
        o["invoice"] = InvoiceId;
        o["livemode"] = false;
        o["locale"] = null;
        o["metadata"] = Json.Meta(Metadata);
        o["mode"] = Mode;
        o["payment_intent"] = null;
        o["payment_method_types"] = Json.Strings(["card"]);
        o["payment_status"] = PaymentStatus;
        o["status"] = Status;
        o["submit_type"] = null;
        o["subscription"] = SubscriptionId;
        o["success_url"] = SuccessUrl;
        o["total_details"] = new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 0, ["amount_tax"] = 0 };
        o["ui_mode"] = "hosted";
        o["url"] = Status == "open" ? Url(state) : null;
        if (ctx.Includes.Contains("line_items"))
        {
            o["line_items"] = RenderLineItems(state);
        }

        return o;
    }

    public JsonObject RenderLineItems(EmulatorState state)
    {
        var items = new List<JsonNode>();
        foreach (var li in LineItems)
        {
            var price = state.Find<PriceEntity>(li.PriceId);
            var amount = (price?.UnitAmount ?? 0) * li.Quantity;
            items.Add(new JsonObject
            {
                ["id"] = li.Id,
                ["object"] = "item",
                ["amount_discount"] = 0,
                ["amount_subtotal"] = amount,
                ["amount_tax"] = 0,
                ["amount_total"] = amount,
                ["currency"] = Currency,
                ["description"] = price is null ? null : state.Find<ProductEntity>(price.ProductId)?.Name,
                ["price"] = price?.Render(new RenderContext(state)),
                ["quantity"] = li.Quantity,
            });
        }

        return Json.List($"/v1/checkout/sessions/{Id}/line_items", items);
    }
}

internal sealed class SubscriptionItemEntity : Entity
{
    public override string ObjectType => "subscription_item";

    public required string SubscriptionId { get; init; }

    public required string PriceId { get; set; }

    public long Quantity { get; set; } = 1;

    public Dictionary<string, string> Metadata { get; } = [];

    public override JsonObject Render(RenderContext ctx)
    {
        var state = ctx.State;
        var sub = state.Find<SubscriptionEntity>(SubscriptionId);
        var price = state.Find<PriceEntity>(PriceId);
        var o = Head();
        o["billed_until"] = sub?.CurrentPeriodEnd;
        o["billing_thresholds"] = null;
        o["created"] = Created;
        o["current_period_end"] = sub?.CurrentPeriodEnd;
        o["current_period_start"] = sub?.CurrentPeriodStart;
        o["discounts"] = new JsonArray();
        o["metadata"] = Json.Meta(Metadata);
        o["plan"] = price?.RenderAsPlan();
        o["price"] = price?.Render(new RenderContext(state));
        o["quantity"] = Quantity;
        o["subscription"] = SubscriptionId;
        o["tax_rates"] = new JsonArray();
        return o;
    }
}

/// <summary>A line on an invoice (also used for pending prorations before they are invoiced).</summary>
internal sealed class InvoiceLine
{
    public required string Id { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required string Description { get; init; }

    public required string PriceId { get; init; }

    public required string ProductId { get; init; }

    public long Quantity { get; init; } = 1;

    public long PeriodStart { get; init; }

    public long PeriodEnd { get; init; }

    public bool Proration { get; init; }

    public string? SubscriptionId { get; init; }

    public string? SubscriptionItemId { get; init; }

    public JsonObject Render(string invoiceId) => new()
    {
        ["id"] = Id,
        ["object"] = "line_item",
        ["amount"] = Amount,
        ["currency"] = Currency,
        ["description"] = Description,
        ["discount_amounts"] = new JsonArray(),
        ["discountable"] = !Proration,
        ["discounts"] = new JsonArray(),
        ["invoice"] = invoiceId,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["parent"] = new JsonObject
        {
            ["invoice_item_details"] = null,
            ["subscription_item_details"] = new JsonObject
            {
                ["invoice_item"] = null,
                ["proration"] = Proration,
                ["proration_details"] = new JsonObject { ["credited_items"] = null },
                ["subscription"] = SubscriptionId,
                ["subscription_item"] = SubscriptionItemId,
            },
            ["type"] = "subscription_item_details",
        },
        ["period"] = new JsonObject { ["end"] = PeriodEnd, ["start"] = PeriodStart },
        ["pretax_credit_amounts"] = new JsonArray(),
        ["pricing"] = new JsonObject
        {
            ["price_details"] = new JsonObject { ["price"] = PriceId, ["product"] = ProductId },
            ["type"] = "price_details",
            ["unit_amount_decimal"] = (Quantity == 0 ? Amount : Amount / Quantity).ToString(CultureInfo.InvariantCulture),
        },
        ["proration"] = Proration,
        ["quantity"] = Quantity,
        ["subscription"] = SubscriptionId,
        ["subtotal"] = Amount,
        ["taxes"] = new JsonArray(),
    };
}

internal sealed class SubscriptionEntity : Entity
{
    public override string ObjectType => "subscription";

    public required string CustomerId { get; init; }

    public required string Currency { get; init; }

    public string Status { get; set; } = "incomplete";

    public List<SubscriptionItemEntity> Items { get; } = [];

    public long StartDate { get; init; }

    /// <summary>Periods are anchor + n intervals (calendar months clamp to the month's last day, like Stripe).</summary>
    public long BillingCycleAnchor { get; set; }

    public long CycleCount { get; set; }

    public long CurrentPeriodStart { get; set; }

    public long CurrentPeriodEnd { get; set; }

    public bool CancelAtPeriodEnd { get; set; }

    public long? CanceledAt { get; set; }

    public long? EndedAt { get; set; }

    public string? CancellationReason { get; set; }

    public string? CancellationComment { get; set; }

    public string? LatestInvoiceId { get; set; }

    public long? TrialStart { get; set; }

    public long? TrialEnd { get; set; }

    /// <summary>The trial end that <c>customer.subscription.trial_will_end</c> was sent for (so it goes once per trial end).</summary>
    public long? TrialWillEndSentFor { get; set; }

    public decimal? ApplicationFeePercent { get; set; }

    public string? TransferDestination { get; init; }

    public string? DefaultPaymentMethodId { get; set; }

    public string? Description { get; set; }

    public Dictionary<string, string> Metadata { get; } = [];

    /// <summary>Proration lines waiting for the next invoice (proration_behavior=create_prorations).</summary>
    public List<InvoiceLine> PendingProrations { get; } = [];

    public bool IsEnded => Status is "canceled" or "incomplete_expired";

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["application"] = null;
        o["application_fee_percent"] = ApplicationFeePercent;
        o["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null };
        o["billing_cycle_anchor"] = BillingCycleAnchor;
        o["billing_cycle_anchor_config"] = null;
        o["billing_thresholds"] = null;
        o["cancel_at"] = CancelAtPeriodEnd ? CurrentPeriodEnd : null;
        o["cancel_at_period_end"] = CancelAtPeriodEnd;
        o["canceled_at"] = CanceledAt;
        o["cancellation_details"] = new JsonObject
        {
            ["comment"] = CancellationComment,
            ["feedback"] = null,
            ["reason"] = CancellationReason,
        };
        o["collection_method"] = "charge_automatically";
        o["created"] = Created;
        o["currency"] = Currency;
        // Top-level period fields moved to the items in newer API versions; kept for older readers.
        o["current_period_end"] = CurrentPeriodEnd;
        o["current_period_start"] = CurrentPeriodStart;
        o["customer"] = CustomerId;
        o["days_until_due"] = null;
        o["default_payment_method"] = DefaultPaymentMethodId;
        o["default_source"] = null;
        o["default_tax_rates"] = new JsonArray();
        o["description"] = Description;
        o["discounts"] = new JsonArray();
        o["ended_at"] = EndedAt;
        o["items"] = Json.List($"/v1/subscription_items?subscription={Id}", Items.Select(i => (JsonNode)i.Render(ctx)), totalCount: Items.Count);
        o["latest_invoice"] = LatestInvoiceId;
        o["livemode"] = false;
        o["metadata"] = Json.Meta(Metadata);
        o["next_pending_invoice_item_invoice"] = null;
        o["on_behalf_of"] = null;
        o["pause_collection"] = null;
        o["pending_invoice_item_interval"] = null;
        o["pending_setup_intent"] = null;
        o["pending_update"] = null;
        o["schedule"] = null;
        o["start_date"] = StartDate;
        o["status"] = Status;
        o["test_clock"] = null;
        o["transfer_data"] = TransferDestination is null ? null : new JsonObject { ["amount_percent"] = null, ["destination"] = TransferDestination };
        o["trial_end"] = TrialEnd;
        o["trial_settings"] = new JsonObject { ["end_behavior"] = new JsonObject { ["missing_payment_method"] = "create_invoice" } };
        o["trial_start"] = TrialStart;
        return o;
    }
}

internal sealed class InvoiceEntity : Entity
{
    public override string ObjectType => "invoice";

    public required string CustomerId { get; init; }

    public string? SubscriptionId { get; init; }

    public required string Currency { get; init; }

    public required string BillingReason { get; init; }

    public string Status { get; set; } = "draft";

    public List<InvoiceLine> Lines { get; } = [];

    public long PeriodStart { get; init; }

    public long PeriodEnd { get; init; }

    public string? Number { get; init; }

    public long StartingBalance { get; set; }

    public long EndingBalance { get; set; }

    public long AmountDue { get; set; }

    public long AmountPaid { get; set; }

    public long AttemptCount { get; set; }

    public long? NextPaymentAttempt { get; set; }

    /// <summary>When the first payment attempt failed (retries are scheduled from it).</summary>
    public long? FirstFailureAt { get; set; }

    public int RetriesDone { get; set; }

    public long? FinalizedAt { get; set; }

    public long? PaidAt { get; set; }

    public string? PaymentIntentId { get; set; }

    public string? ChargeId { get; set; }

    public string? PaymentRecordId { get; set; }

    public Dictionary<string, string> SubscriptionMetadata { get; } = [];

    public Dictionary<string, string> Metadata { get; } = [];

    public long Total => Lines.Sum(l => l.Amount);

    public override JsonObject Render(RenderContext ctx)
    {
        var state = ctx.State;
        var customer = state.Find<CustomerEntity>(CustomerId);
        var remaining = Status == "paid" ? 0 : AmountDue - AmountPaid;
        var payments = new List<JsonNode>();
        if (PaymentIntentId is not null && ctx.Includes.Contains("payments"))
        {
            payments.Add(new JsonObject
            {
                ["id"] = PaymentRecordId,
                ["object"] = "invoice_payment",
                ["amount_paid"] = Status == "paid" ? AmountPaid : null,
                ["amount_requested"] = AmountDue,
                ["created"] = FinalizedAt ?? Created,
                ["currency"] = Currency,
                ["invoice"] = Id,
                ["is_default"] = true,
                ["livemode"] = false,
                // Invoices are paid through a PaymentIntent: the payment names it (its latest_charge is the
                // charge); payment.charge is there only for payments of type charge.
                ["payment"] = new JsonObject
                {
                    ["payment_intent"] = PaymentIntentId,
                    ["type"] = "payment_intent",
                },
                ["status"] = Status == "paid" ? "paid" : "open",
                ["status_transitions"] = new JsonObject { ["canceled_at"] = null, ["paid_at"] = PaidAt },
            });
        }

        var o = Head();
        o["account_country"] = "US";
        o["account_name"] = state.Options.PlatformName;
        o["amount_due"] = AmountDue;
        o["amount_overpaid"] = 0;
        o["amount_paid"] = AmountPaid;
        o["amount_remaining"] = remaining;
        o["amount_shipping"] = 0;
        o["application"] = null;
        o["attempt_count"] = AttemptCount;
        o["attempted"] = AttemptCount > 0;
        o["auto_advance"] = Status is "draft" or "open";
        o["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null, ["status"] = null };
        o["billing_reason"] = BillingReason;
        o["collection_method"] = "charge_automatically";
        o["created"] = Created;
        o["currency"] = Currency;
        o["customer"] = CustomerId;
        o["customer_email"] = customer?.Email;
        o["customer_name"] = customer?.Name;
        o["default_payment_method"] = null;
        o["description"] = null;
        o["discounts"] = new JsonArray();
        o["due_date"] = null;
        o["effective_at"] = FinalizedAt;
        o["ending_balance"] = Status == "draft" ? null : EndingBalance;
        o["hosted_invoice_url"] = state.HostedUrl("/i/" + Id);
        o["invoice_pdf"] = null;
        o["issuer"] = new JsonObject { ["type"] = "self" };
        o["lines"] = Json.List($"/v1/invoices/{Id}/lines", Lines.Select(l => (JsonNode)l.Render(Id)), totalCount: Lines.Count);
        o["livemode"] = false;
        o["metadata"] = Json.Meta(Metadata);
        o["next_payment_attempt"] = NextPaymentAttempt;
        o["number"] = Number;
        o["parent"] = SubscriptionId is null
            ? null
            : new JsonObject
            {
                ["quote_details"] = null,
                ["subscription_details"] = new JsonObject
                {
                    ["metadata"] = Json.Meta(SubscriptionMetadata),
                    ["subscription"] = SubscriptionId,
                },
                ["type"] = "subscription_details",
            };
        if (ctx.Includes.Contains("payments"))
        {
            // Not included by default since 2025-03-31.basil: expand[]=payments.
            o["payments"] = Json.List($"/v1/invoice_payments?invoice={Id}", payments, totalCount: payments.Count);
        }

        o["period_end"] = PeriodEnd;
        o["period_start"] = PeriodStart;
        o["post_payment_credit_notes_amount"] = 0;
        o["pre_payment_credit_notes_amount"] = 0;
        o["receipt_number"] = null;
        o["starting_balance"] = StartingBalance;
        o["statement_descriptor"] = null;
        o["status"] = Status;
        o["status_transitions"] = new JsonObject
        {
            ["finalized_at"] = FinalizedAt,
            ["marked_uncollectible_at"] = null,
            ["paid_at"] = PaidAt,
            ["voided_at"] = null,
        };
        o["subtotal"] = Total;
        o["subtotal_excluding_tax"] = Total;
        o["test_clock"] = null;
        o["total"] = Total;
        o["total_discount_amounts"] = new JsonArray();
        o["total_excluding_tax"] = Total;
        o["total_taxes"] = new JsonArray();
        o["webhooks_delivered_at"] = FinalizedAt;
        // Fields removed from Invoice in newer API versions, kept for readers of raw JSON.
        o["subscription"] = SubscriptionId;
        o["charge"] = ChargeId;
        o["payment_intent"] = PaymentIntentId;
        o["paid"] = Status == "paid";
        return o;
    }
}

internal sealed class PaymentIntentEntity : Entity
{
    public override string ObjectType => "payment_intent";

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public string? CustomerId { get; init; }

    public string? PaymentMethodId { get; set; }

    public string Status { get; set; } = "requires_payment_method";

    public string? LatestChargeId { get; set; }

    public string? InvoiceId { get; init; }

    public long? ApplicationFeeAmount { get; init; }

    public string? TransferDestination { get; init; }

    public string? Description { get; init; }

    public PaymentError? LastError { get; set; }

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["amount"] = Amount;
        o["amount_capturable"] = 0;
        o["amount_received"] = Status == "succeeded" ? Amount : 0;
        o["application"] = null;
        o["application_fee_amount"] = ApplicationFeeAmount;
        o["canceled_at"] = null;
        o["cancellation_reason"] = null;
        o["capture_method"] = "automatic";
        o["client_secret"] = Id + "_secret_emulated";
        o["confirmation_method"] = "automatic";
        o["created"] = Created;
        o["currency"] = Currency;
        o["customer"] = CustomerId;
        o["description"] = Description;
        o["last_payment_error"] = LastError is null
            ? null
            : new JsonObject
            {
                ["code"] = LastError.Code,
                ["decline_code"] = LastError.DeclineCode,
                ["message"] = LastError.Message,
                ["type"] = LastError.Type,
            };
        o["latest_charge"] = LatestChargeId;
        o["livemode"] = false;
        o["metadata"] = new JsonObject();
        o["next_action"] = null;
        o["on_behalf_of"] = null;
        o["payment_method"] = PaymentMethodId;
        o["payment_method_types"] = Json.Strings(["card"]);
        o["receipt_email"] = null;
        o["setup_future_usage"] = null;
        o["status"] = Status;
        o["transfer_data"] = TransferDestination is null ? null : new JsonObject { ["destination"] = TransferDestination };
        return o;
    }
}

/// <summary>A payment intent's <c>last_payment_error</c> (plain data, so it persists with the state).</summary>
internal sealed record PaymentError(string Type, string? Code, string? DeclineCode, string Message);

internal sealed class ChargeEntity : Entity
{
    public override string ObjectType => "charge";

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public string? CustomerId { get; init; }

    public string? PaymentIntentId { get; init; }

    public string? PaymentMethodId { get; init; }

    public string? InvoiceId { get; init; }

    public required string Status { get; init; }

    public string? FailureCode { get; init; }

    public string? FailureMessage { get; init; }

    public string? DeclineCode { get; init; }

    public long AmountRefunded { get; set; }

    public long? ApplicationFeeAmount { get; init; }

    public string? TransferDestination { get; init; }

    public string? Description { get; init; }

    public List<string> RefundIds { get; } = [];

    public Dictionary<string, string> Metadata { get; } = [];

    public bool Succeeded => Status == "succeeded";

    public override JsonObject Render(RenderContext ctx)
    {
        var state = ctx.State;
        var pm = PaymentMethodId is null ? null : state.Find<PaymentMethodEntity>(PaymentMethodId);
        var customer = CustomerId is null ? null : state.Find<CustomerEntity>(CustomerId);
        var o = Head();
        o["amount"] = Amount;
        o["amount_captured"] = Succeeded ? Amount : 0;
        o["amount_refunded"] = AmountRefunded;
        o["application"] = null;
        o["application_fee"] = null;
        o["application_fee_amount"] = ApplicationFeeAmount;
        o["balance_transaction"] = null;
        o["billing_details"] = new JsonObject
        {
            ["address"] = null,
            ["email"] = customer?.Email,
            ["name"] = customer?.Name,
            ["phone"] = null,
        };
        o["calculated_statement_descriptor"] = "EMULATED";
        o["captured"] = Succeeded;
        o["created"] = Created;
        o["currency"] = Currency;
        o["customer"] = CustomerId;
        o["description"] = Description;
        o["disputed"] = false;
        o["failure_code"] = FailureCode;
        o["failure_message"] = FailureMessage;
        o["livemode"] = false;
        o["metadata"] = Json.Meta(Metadata);
        o["on_behalf_of"] = null;
        o["outcome"] = new JsonObject
        {
            ["network_status"] = Succeeded ? "approved_by_network" : "declined_by_network",
            ["reason"] = DeclineCode,
            ["risk_level"] = "normal",
            ["risk_score"] = 20,
            ["seller_message"] = Succeeded ? "Payment complete." : "The bank did not return any further details with this decline.",
            ["type"] = Succeeded ? "authorized" : "issuer_declined",
        };
        o["paid"] = Succeeded;
        o["payment_intent"] = PaymentIntentId;
        o["payment_method"] = PaymentMethodId;
        o["payment_method_details"] = pm is null ? null : new JsonObject { ["card"] = pm.CardJson(), ["type"] = "card" };
        o["receipt_url"] = state.HostedUrl("/receipts/" + Id);
        o["refunded"] = Succeeded && AmountRefunded >= Amount;
        if (ctx.Includes.Contains("refunds"))
        {
            // Not included by default since 2022-11-15: expand[]=refunds.
            o["refunds"] = Json.List($"/v1/charges/{Id}/refunds", RefundIds
                .Select(id => state.Find<RefundEntity>(id))
                .Where(r => r is not null)
                .Reverse()
                .Select(r => (JsonNode)r!.Render(new RenderContext(state))), totalCount: RefundIds.Count);
        }

        o["status"] = Status;
        o["transfer_data"] = TransferDestination is null ? null : new JsonObject { ["amount"] = null, ["destination"] = TransferDestination };
        o["invoice"] = InvoiceId; // removed from Charge in newer API versions; kept for raw-JSON readers
        return o;
    }
}

internal sealed class RefundEntity : Entity
{
    public override string ObjectType => "refund";

    public required long Amount { get; init; }

    public required string ChargeId { get; init; }

    public string? PaymentIntentId { get; init; }

    public required string Currency { get; init; }

    public string? Reason { get; init; }

    public Dictionary<string, string> Metadata { get; } = [];

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["amount"] = Amount;
        o["balance_transaction"] = null;
        o["charge"] = ChargeId;
        o["created"] = Created;
        o["currency"] = Currency;
        o["destination_details"] = null;
        o["metadata"] = Json.Meta(Metadata);
        o["payment_intent"] = PaymentIntentId;
        o["reason"] = Reason;
        o["receipt_number"] = null;
        o["source_transfer_reversal"] = null;
        o["status"] = "succeeded";
        o["transfer_reversal"] = null;
        return o;
    }
}

internal sealed class PortalSessionEntity : Entity
{
    public override string ObjectType => "billing_portal.session";

    public required string CustomerId { get; init; }

    /// <summary>The <c>bpc_</c> configuration that decides what the hosted portal offers.</summary>
    public required string ConfigurationId { get; init; }

    public string? ReturnUrl { get; init; }

    public string Url(EmulatorState state) => state.HostedUrl("/p/session/" + Id);

    public override JsonObject Render(RenderContext ctx)
    {
        var o = Head();
        o["configuration"] = ConfigurationId;
        o["created"] = Created;
        o["customer"] = CustomerId;
        o["flow"] = null;
        o["livemode"] = false;
        o["locale"] = null;
        o["on_behalf_of"] = null;
        o["return_url"] = ReturnUrl;
        o["url"] = Url(ctx.State);
        return o;
    }
}

internal sealed class EventEntity : Entity
{
    public override string ObjectType => "event";

    public required string Json { get; init; }

    public required string Type { get; init; }

    public override JsonObject Render(RenderContext ctx) => (JsonObject)JsonNode.Parse(Json)!;
}
