using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// The emulator's stand-ins for Stripe-hosted pages: Checkout (<c>/c/pay/{session}</c>), the billing
/// portal (<c>/p/session/{session}</c>), Express onboarding (<c>/setup/e/{link}</c>), plus small
/// invoice, receipt and Express-dashboard pages. Plain HTML forms, no scripts, no external assets.
/// </summary>
internal sealed class HostedPages(EmulatorState state, Billing billing)
{
    public async Task HandleAsync(HttpContext ctx, string path)
    {
        var method = ctx.Request.Method.ToUpperInvariant();
        var segments = path.Trim('/').Split('/');
        IFormCollection? form = null;
        if (method == "POST" && ctx.Request.HasFormContentType)
        {
            form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        }

        string F(string name) => form?[name].ToString() ?? "";

        Response response;
        lock (state.Gate)
        {
            billing.ProcessDue();
            response = (method, segments) switch
            {
                ("GET", [""]) => Index(),
                ("GET", ["c", "pay", var id]) => CheckoutPage(id, null, null, 200),
                ("POST", ["c", "pay", var id]) => CheckoutSubmit(id, F("email"), F("card_number"), F("cardholder_name")),
                ("GET", ["p", "session", var id]) => PortalPage(id, null, 200),
                ("POST", ["p", "session", var id, var action]) => PortalAction(id, action, F),
                ("GET", ["setup", "e", var id]) => OnboardingPage(id),
                ("POST", ["setup", "e", var id]) => OnboardingSubmit(id),
                ("GET", ["i", var id]) => InvoicePage(id),
                ("GET", ["receipts", var id]) => ReceiptPage(id),
                ("GET", ["express", var id]) => ExpressDashboard(id),
                _ => Html(404, "Not found", "<p>The Stripe emulator has no page here.</p>"),
            };
            if (method == "POST")
            {
                state.MarkDirty();
            }

            state.Checkpoint();
        }

        ctx.Response.StatusCode = response.Status;
        if (response.Redirect is not null)
        {
            ctx.Response.Headers.Location = response.Redirect;
            return;
        }

        ctx.Response.ContentType = "text/html; charset=utf-8";
        await ctx.Response.WriteAsync(response.Body ?? "", ctx.RequestAborted).ConfigureAwait(false);
    }

    private sealed record Response(int Status, string? Body, string? Redirect);

    private static Response Redirect(string url) => new(303, null, url);

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private Response Html(int status, string title, string body) => new(status, Layout(title, body), null);

    private string Layout(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} · Stripe emulator</title>
        <style>
        body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}
        .banner{background:#fff4d6;border:1px solid #e8c36a;padding:.4rem .7rem;font-size:.85rem;border-radius:4px}
        .error{background:#fde8e8;border:1px solid #e07a7a;padding:.6rem;border-radius:4px;color:#8a1c1c}
        .card{border:1px solid #d6d9e0;border-radius:6px;padding:1rem;margin:1rem 0}
        label{display:block;margin:.6rem 0 .2rem;font-weight:600}
        input,select{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
        button{font-size:1rem;padding:.5rem 1rem;margin-top:.8rem;cursor:pointer}
        .muted{color:#697386;font-size:.9rem}
        code{background:#f3f4f7;padding:0 .2rem}
        </style>
        </head>
        <body>
        <p class="banner">Stripe emulator — test mode, no real money moves · {{E(state.Options.PlatformName)}}</p>
        <h1>{{E(title)}}</h1>
        {{body}}
        </body>
        </html>
        """;

    private static string TestCardHelp() => """
        <details class="muted"><summary>Test cards</summary><ul>
        <li><code>4242 4242 4242 4242</code> pays</li>
        <li><code>4000 0000 0000 0341</code> pays now, fails on renewal</li>
        <li><code>4000 0000 0000 0002</code> is declined</li>
        <li><code>4000 0000 0000 9995</code> is declined (insufficient funds)</li>
        </ul></details>
        """;

    private Response Index() => Html(200, "Stripe emulator", $"<p>API base: <code>{E(state.BaseUrl.ToString())}</code>. Control: <a href=\"/_emulator\">/_emulator</a>.</p>");

    // ------------------------------------------------------------------ checkout

    private Response CheckoutPage(string id, string? error, string? email, int status)
    {
        var session = state.Find<CheckoutSessionEntity>(id);
        if (session is null)
        {
            return Html(404, "Checkout not found", "<p>This Checkout Session does not exist.</p>");
        }

        if (session.Status == "open" && state.Now >= session.ExpiresAt)
        {
            billing.ExpireSession(session);
        }

        if (session.Status == "complete")
        {
            return Redirect(session.SuccessUrl.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal));
        }

        if (session.Status == "expired")
        {
            var back = session.CancelUrl is null ? "" : $"<p><a href=\"{E(session.CancelUrl)}\">Return to the site</a></p>";
            return Html(410, "Checkout expired", "<p>This Checkout Session has expired.</p>" + back);
        }

        var sb = new StringBuilder();
        sb.Append("<div class=\"card\"><ul id=\"line-items\">");
        foreach (var li in session.LineItems)
        {
            var price = state.Find<PriceEntity>(li.PriceId);
            sb.Append(CultureInfo.InvariantCulture, $"<li>{E(price?.Describe(state))}{(li.Quantity > 1 ? " × " + li.Quantity : "")}</li>");
        }

        sb.Append("</ul>");
        if (session.HasTrial)
        {
            var days = session.TrialPeriodDays ?? ((session.TrialEnd!.Value - state.Now) / 86_400);
            sb.Append(CultureInfo.InvariantCulture, $"<p id=\"trial\">Free trial: {days} days, then billed each period.</p>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<p>Due today: <strong id=\"amount-due\">{E(Json.Money(session.AmountTotal(state), session.Currency))}</strong></p></div>");
        if (error is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"error\" role=\"alert\" id=\"error\">{E(error)}</p>");
        }

        var customer = session.CustomerId is null ? null : state.Find<CustomerEntity>(session.CustomerId);
        var fixedEmail = customer?.Email ?? session.CustomerEmail;
        sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/c/pay/{E(session.Id)}\">");
        if (fixedEmail is not null || customer is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p>Email: <strong>{E(fixedEmail ?? "(on file)")}</strong></p>");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"<label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" required value=\"{E(email)}\">");
        }

        sb.Append("""
            <label for="card_number">Card number</label><input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
            <label for="card_expiry">Expiry</label><input id="card_expiry" name="card_expiry" value="12 / 34">
            <label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" value="123">
            <label for="cardholder_name">Name on card</label><input id="cardholder_name" name="cardholder_name" autocomplete="cc-name">
            <button type="submit" id="submit">Subscribe</button>
            </form>
            """);
        sb.Append(TestCardHelp());
        if (session.CancelUrl is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p><a id=\"cancel\" href=\"{E(session.CancelUrl)}\">← Back (cancel)</a></p>");
        }

        return Html(status, "Checkout", sb.ToString());
    }

    private Response CheckoutSubmit(string id, string email, string card, string name)
    {
        var session = state.Find<CheckoutSessionEntity>(id);
        if (session is null)
        {
            return Html(404, "Checkout not found", "<p>This Checkout Session does not exist.</p>");
        }

        try
        {
            var result = billing.CompleteCheckout(session, card, string.IsNullOrWhiteSpace(email) ? null : email, string.IsNullOrWhiteSpace(name) ? null : name);
            return Redirect(result.RedirectUrl.ToString());
        }
        catch (ApiError e)
        {
            if (session.Status != "open")
            {
                return CheckoutPage(id, null, email, 200);
            }

            return CheckoutPage(id, e.Message, email, e.Status == 402 ? 402 : 400);
        }
    }

    // ------------------------------------------------------------------ billing portal

    /// <summary>The configuration a portal session was made with (the account's default if it has gone).</summary>
    public PortalConfigurationEntity ConfigurationOf(PortalSessionEntity session) =>
        state.Find<PortalConfigurationEntity>(session.ConfigurationId) ?? PortalConfigurationEntity.Default(state, session.Scope, create: false);

    /// <summary>
    /// The prices a subscription may move to in the portal under <paramref name="config"/>: none unless
    /// <c>subscription_update</c> is enabled with <c>price</c> among <c>default_allowed_updates</c>; then the prices listed
    /// under <c>products</c> (when the subscribed product is one of them), active, recurring, in the subscription's
    /// currency. The emulator's own default configuration, while it lists no products, offers the subscribed product's
    /// other prices and those of its family (<see cref="StripeEmulatorOptions.PortalProductFamilyMetadataKey"/>).
    /// </summary>
    public IReadOnlyList<PriceEntity> PlanChoices(SubscriptionEntity sub, PortalConfigurationEntity config)
    {
        if (!config.UpdateEnabled || !config.DefaultAllowedUpdates.Contains("price"))
        {
            return [];
        }

        var current = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
        bool Offerable(PriceEntity p) => p.Active && p.Recurring && p.Currency == sub.Currency && p.Id != current.Id && state.Find<ProductEntity>(p.ProductId)?.Active != false;
        if (config.Products.Count > 0)
        {
            if (!config.Products.Any(p => p.ProductId == current.ProductId))
            {
                return [];
            }

            return config.Products
                .SelectMany(p => p.Prices)
                .Distinct(StringComparer.Ordinal)
                .Select(id => state.Find<PriceEntity>(id, sub.Scope))
                .OfType<PriceEntity>()
                .Where(Offerable)
                .OrderBy(p => p.UnitAmount)
                .ToList();
        }

        if (!config.MadeByEmulator)
        {
            return [];
        }

        var product = state.Find<ProductEntity>(current.ProductId);
        var key = state.Options.PortalProductFamilyMetadataKey;
        string? family = key is not null && product is not null && product.Metadata.TryGetValue(key, out var f) ? f : null;
        return state.All<PriceEntity>(sub.Scope)
            .Where(Offerable)
            .Where(p =>
            {
                if (p.ProductId == current.ProductId)
                {
                    return true;
                }

                var other = state.Find<ProductEntity>(p.ProductId);
                return family is not null && other is not null && other.Metadata.TryGetValue(key!, out var of) && of == family;
            })
            .OrderBy(p => p.UnitAmount)
            .ToList();
    }

    private Response PortalPage(string id, string? error, int status)
    {
        var session = state.Find<PortalSessionEntity>(id);
        if (session is null)
        {
            return Html(404, "Billing portal not found", "<p>This billing portal session does not exist.</p>");
        }

        var config = ConfigurationOf(session);
        var customer = state.Find<CustomerEntity>(session.CustomerId)!;
        var sb = new StringBuilder();
        if (config.Headline is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p id=\"headline\">{E(config.Headline)}</p>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<p>Customer: <strong>{E(customer.Email ?? customer.Id)}</strong></p>");
        if (error is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"error\" role=\"alert\" id=\"error\">{E(error)}</p>");
        }

        var subs = state.All<SubscriptionEntity>(session.Scope).Where(s => s.CustomerId == customer.Id && !s.IsEnded).ToList();
        if (subs.Count == 0)
        {
            sb.Append("<p id=\"no-subscriptions\">No active subscriptions.</p>");
        }

        foreach (var sub in subs)
        {
            var price = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
            var periodEnd = DateTimeOffset.FromUnixTimeSeconds(sub.CurrentPeriodEnd).ToString("d MMM yyyy", CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card subscription\" id=\"{E(sub.Id)}\"><p><strong>{E(price.Describe(state))}</strong> — status <code>{E(sub.Status)}</code></p>");
            sb.Append(sub.CancelAtPeriodEnd
                ? $"<p class=\"cancel-notice\">Cancels on {E(periodEnd)}.</p>"
                : sub.Status == "trialing"
                    ? $"<p>Trial ends on {E(periodEnd)}, then renews.</p>"
                    : $"<p>Renews on {E(periodEnd)}.</p>");
            var choices = PlanChoices(sub, config);
            if (choices.Count > 0 && !sub.CancelAtPeriodEnd)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/p/session/{E(session.Id)}/update\"><input type=\"hidden\" name=\"subscription\" value=\"{E(sub.Id)}\"><label for=\"price-{E(sub.Id)}\">Change plan</label><select id=\"price-{E(sub.Id)}\" name=\"price\">");
                foreach (var choice in choices)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<option value=\"{E(choice.Id)}\">{E(choice.Describe(state))}</option>");
                }

                sb.Append("</select><button type=\"submit\">Update plan</button></form>");
            }

            if (sub.CancelAtPeriodEnd)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/p/session/{E(session.Id)}/resume\"><input type=\"hidden\" name=\"subscription\" value=\"{E(sub.Id)}\"><button type=\"submit\" id=\"resume-{E(sub.Id)}\">Renew plan</button></form>");
            }
            else if (config.CancelEnabled)
            {
                var label = config.CancelMode == "immediately" ? "Cancel plan now" : "Cancel plan";
                sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/p/session/{E(session.Id)}/cancel\"><input type=\"hidden\" name=\"subscription\" value=\"{E(sub.Id)}\"><button type=\"submit\" id=\"cancel-{E(sub.Id)}\">{label}</button></form>");
            }

            sb.Append("</div>");
        }

        if (config.PaymentMethodUpdateEnabled)
        {
            var pm = customer.DefaultPaymentMethodId is null ? null : state.Find<PaymentMethodEntity>(customer.DefaultPaymentMethodId);
            sb.Append(CultureInfo.InvariantCulture, $"""
                <div class="card"><p>Payment method: <strong id="card-on-file">{E(pm is null ? "none" : $"{pm.Card.Brand} •••• {pm.Card.Last4}")}</strong></p>
                <form method="post" action="/p/session/{E(session.Id)}/payment-method">
                <label for="card_number">New card number</label><input id="card_number" name="card_number" inputmode="numeric" required>
                <label for="cardholder_name">Name on card</label><input id="cardholder_name" name="cardholder_name">
                <button type="submit">Update card</button></form>{TestCardHelp()}</div>
                """);
        }

        var editable = CustomerFields(config);
        if (editable.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" id=\"customer-details\"><form method=\"post\" action=\"/p/session/{E(session.Id)}/customer\">");
            foreach (var field in editable)
            {
                var value = field switch { "email" => customer.Email, "name" => customer.Name, _ => customer.Phone };
                sb.Append(CultureInfo.InvariantCulture, $"<label for=\"{field}\">{char.ToUpperInvariant(field[0])}{field[1..]}</label><input id=\"{field}\" name=\"{field}\" value=\"{E(value)}\">");
            }

            sb.Append("<button type=\"submit\">Save details</button></form></div>");
        }

        if (config.InvoiceHistoryEnabled)
        {
            var invoices = state.All<InvoiceEntity>(session.Scope).Where(i => i.CustomerId == customer.Id).OrderByDescending(i => i.Seq).ToList();
            sb.Append("<div class=\"card\" id=\"invoice-history\"><p><strong>Invoice history</strong></p><ul>");
            foreach (var invoice in invoices)
            {
                var date = DateTimeOffset.FromUnixTimeSeconds(invoice.Created).ToString("d MMM yyyy", CultureInfo.InvariantCulture);
                sb.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/i/{E(invoice.Id)}\">{E(date)}</a> {E(Json.Money(invoice.AmountDue, invoice.Currency))} <code>{E(invoice.Status)}</code></li>");
            }

            sb.Append("</ul></div>");
        }

        if (session.ReturnUrl is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p><a id=\"return\" href=\"{E(session.ReturnUrl)}\">← Return</a></p>");
        }

        foreach (var (label, url) in new[] { ("Privacy policy", config.PrivacyPolicyUrl), ("Terms of service", config.TermsOfServiceUrl) })
        {
            if (url is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\"><a href=\"{E(url)}\">{label}</a></p>");
            }
        }

        return Html(status, "Billing", sb.ToString());
    }

    /// <summary>The customer details the portal lets the customer edit (of what the emulator keeps: email, name, phone).</summary>
    private static List<string> CustomerFields(PortalConfigurationEntity config) =>
        config.CustomerUpdateEnabled ? new[] { "email", "name", "phone" }.Where(config.CustomerUpdateAllowed.Contains).ToList() : [];

    private Response PortalAction(string id, string action, Func<string, string> form)
    {
        var session = state.Find<PortalSessionEntity>(id);
        if (session is null)
        {
            return Html(404, "Billing portal not found", "<p>This billing portal session does not exist.</p>");
        }

        var config = ConfigurationOf(session);
        var customer = state.Find<CustomerEntity>(session.CustomerId)!;
        try
        {
            switch (action)
            {
                case "payment-method":
                    if (!config.PaymentMethodUpdateEnabled)
                    {
                        throw ApiError.Invalid("Updating the payment method is not enabled in this portal.");
                    }

                    var name = form("cardholder_name");
                    billing.UpdateDefaultCard(customer, form("card_number"), string.IsNullOrWhiteSpace(name) ? null : name);
                    break;
                case "customer":
                    var fields = CustomerFields(config);
                    if (fields.Count == 0)
                    {
                        throw ApiError.Invalid("Updating customer details is not enabled in this portal.");
                    }

                    foreach (var field in fields)
                    {
                        var value = form(field).Trim();
                        var set = value.Length == 0 ? null : value;
                        switch (field)
                        {
                            case "email":
                                customer.Email = set ?? throw ApiError.Invalid("Enter an email address.");
                                break;
                            case "name":
                                customer.Name = set;
                                break;
                            default:
                                customer.Phone = set;
                                break;
                        }
                    }

                    break;
                case "update" or "cancel" or "resume":
                    var sub = state.Find<SubscriptionEntity>(form("subscription"), session.Scope);
                    if (sub is null || sub.CustomerId != customer.Id || sub.IsEnded)
                    {
                        throw ApiError.Invalid("That subscription cannot be changed here.");
                    }

                    ChangeSubscription(sub, action, form("price"), config);
                    break;
                default:
                    return Html(404, "Not found", "<p>Unknown billing portal action.</p>");
            }
        }
        catch (ApiError e)
        {
            return PortalPage(id, e.Message, e.Status == 402 ? 402 : 400);
        }

        return session.ReturnUrl is not null ? Redirect(session.ReturnUrl) : Redirect("/p/session/" + session.Id);
    }

    private void ChangeSubscription(SubscriptionEntity sub, string action, string priceId, PortalConfigurationEntity config)
    {
        var p = new ParamNode();
        switch (action)
        {
            case "update":
                if (!PlanChoices(sub, config).Any(c => c.Id == priceId))
                {
                    throw ApiError.Invalid("That plan is not offered.");
                }

                p.Add("items[0][id]", sub.Items[0].Id);
                p.Add("items[0][price]", priceId);
                p.Add("proration_behavior", config.UpdateProrationBehavior);
                if (sub.Status == "trialing" && config.TrialUpdateBehavior == "end_trial")
                {
                    p.Add("trial_end", "now");
                }

                break;
            case "cancel":
                if (!config.CancelEnabled)
                {
                    throw ApiError.Invalid("Canceling is not enabled in this portal.");
                }

                if (config.CancelMode == "immediately")
                {
                    billing.CancelNow(sub, "cancellation_requested");
                    return;
                }

                p.Add("cancel_at_period_end", "true");
                break;
            default:
                p.Add("cancel_at_period_end", "false");
                break;
        }

        billing.UpdateSubscription(sub, p);
    }

    // ------------------------------------------------------------------ connect onboarding

    private Response OnboardingPage(string id)
    {
        var link = state.Find<AccountLinkEntity>(id);
        if (link is null)
        {
            return Html(404, "Link not found", "<p>This onboarding link does not exist.</p>");
        }

        if (link.Used || state.Now > link.ExpiresAt)
        {
            return Redirect(link.RefreshUrl); // like Stripe: an expired or used link sends the user to refresh_url
        }

        var account = state.Find<AccountEntity>(link.AccountId)!;
        return Html(200, "Set up payouts", $"""
            <p>Account <code id="account">{E(account.Id)}</code>{(account.Email is null ? "" : " · " + E(account.Email))}</p>
            <p class="muted">The emulator skips identity, bank and tax details. Completing enables charges and payouts.</p>
            <form method="post" action="/setup/e/{E(link.Id)}"><button type="submit" id="complete">Complete onboarding</button></form>
            <p><a id="later" href="{E(link.RefreshUrl)}">Not now</a></p>
            """);
    }

    private Response OnboardingSubmit(string id)
    {
        var link = state.Find<AccountLinkEntity>(id);
        if (link is null)
        {
            return Html(404, "Link not found", "<p>This onboarding link does not exist.</p>");
        }

        if (link.Used || state.Now > link.ExpiresAt)
        {
            return Redirect(link.RefreshUrl);
        }

        link.Used = true;
        CompleteOnboarding(state.Find<AccountEntity>(link.AccountId)!);
        return Redirect(link.ReturnUrl);
    }

    public void CompleteOnboarding(AccountEntity account)
    {
        var before = state.Snapshot(account);
        account.DetailsSubmitted = true;
        account.ChargesEnabled = true;
        account.PayoutsEnabled = true;
        state.EmitChanged("account.updated", account, before, account.Id);
    }

    // ------------------------------------------------------------------ small pages

    private Response InvoicePage(string id)
    {
        var invoice = state.Find<InvoiceEntity>(id);
        if (invoice is null)
        {
            return Html(404, "Invoice not found", "<p>No such invoice.</p>");
        }

        var sb = new StringBuilder("<table>");
        foreach (var line in invoice.Lines)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(line.Description)}</td><td>{E(Json.Money(line.Amount, line.Currency))}</td></tr>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"</table><p>Total {E(Json.Money(invoice.Total, invoice.Currency))} · amount due {E(Json.Money(invoice.AmountDue, invoice.Currency))} · status <code id=\"status\">{E(invoice.Status)}</code></p>");
        return Html(200, "Invoice " + (invoice.Number ?? invoice.Id), sb.ToString());
    }

    private Response ReceiptPage(string id)
    {
        var charge = state.Find<ChargeEntity>(id);
        return charge is null
            ? Html(404, "Receipt not found", "<p>No such charge.</p>")
            : Html(200, "Receipt", $"<p>{E(Json.Money(charge.Amount, charge.Currency))} — {E(charge.Status)}; refunded {E(Json.Money(charge.AmountRefunded, charge.Currency))}.</p>");
    }

    private Response ExpressDashboard(string id)
    {
        var account = state.Find<AccountEntity>(id);
        return account is null
            ? Html(404, "Account not found", "<p>No such account.</p>")
            : Html(200, "Express dashboard", $"<p>Account <code>{E(account.Id)}</code>: charges {(account.ChargesEnabled ? "enabled" : "disabled")}, payouts {(account.PayoutsEnabled ? "enabled" : "disabled")}.</p>");
    }
}
