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
                ("POST", ["p", "session", var id, var action]) => PortalAction(id, action, F("subscription"), F("price"), F("card_number"), F("cardholder_name")),
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

    /// <summary>Plan choices: active recurring prices on the same account, same currency and interval-agnostic, of the same product (or product family).</summary>
    public IReadOnlyList<PriceEntity> PlanChoices(SubscriptionEntity sub)
    {
        var current = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
        var product = state.Find<ProductEntity>(current.ProductId);
        var key = state.Options.PortalProductFamilyMetadataKey;
        string? family = key is not null && product is not null && product.Metadata.TryGetValue(key, out var f) ? f : null;
        return state.All<PriceEntity>(sub.Scope)
            .Where(p => p.Active && p.Recurring && p.Currency == sub.Currency && p.Id != current.Id)
            .Where(p =>
            {
                if (p.ProductId == current.ProductId)
                {
                    return true;
                }

                var other = state.Find<ProductEntity>(p.ProductId);
                return family is not null && other is not null && other.Active && other.Metadata.TryGetValue(key!, out var of) && of == family;
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

        var customer = state.Find<CustomerEntity>(session.CustomerId)!;
        var sb = new StringBuilder();
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
            var choices = PlanChoices(sub);
            if (choices.Count > 0 && !sub.CancelAtPeriodEnd)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/p/session/{E(session.Id)}/update\"><input type=\"hidden\" name=\"subscription\" value=\"{E(sub.Id)}\"><label for=\"price-{E(sub.Id)}\">Change plan</label><select id=\"price-{E(sub.Id)}\" name=\"price\">");
                foreach (var choice in choices)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<option value=\"{E(choice.Id)}\">{E(choice.Describe(state))}</option>");
                }

                sb.Append("</select><button type=\"submit\">Update plan</button></form>");
            }

            var action = sub.CancelAtPeriodEnd ? "resume" : "cancel";
            var label = sub.CancelAtPeriodEnd ? "Renew plan" : "Cancel plan";
            sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/p/session/{E(session.Id)}/{action}\"><input type=\"hidden\" name=\"subscription\" value=\"{E(sub.Id)}\"><button type=\"submit\" id=\"{action}-{E(sub.Id)}\">{label}</button></form></div>");
        }

        var pm = customer.DefaultPaymentMethodId is null ? null : state.Find<PaymentMethodEntity>(customer.DefaultPaymentMethodId);
        sb.Append(CultureInfo.InvariantCulture, $"""
            <div class="card"><p>Payment method: <strong id="card-on-file">{E(pm is null ? "none" : $"{pm.Card.Brand} •••• {pm.Card.Last4}")}</strong></p>
            <form method="post" action="/p/session/{E(session.Id)}/payment-method">
            <label for="card_number">New card number</label><input id="card_number" name="card_number" inputmode="numeric" required>
            <label for="cardholder_name">Name on card</label><input id="cardholder_name" name="cardholder_name">
            <button type="submit">Update card</button></form>{TestCardHelp()}</div>
            """);
        if (session.ReturnUrl is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p><a id=\"return\" href=\"{E(session.ReturnUrl)}\">← Return</a></p>");
        }

        return Html(status, "Billing", sb.ToString());
    }

    private Response PortalAction(string id, string action, string subId, string priceId, string card, string name)
    {
        var session = state.Find<PortalSessionEntity>(id);
        if (session is null)
        {
            return Html(404, "Billing portal not found", "<p>This billing portal session does not exist.</p>");
        }

        var customer = state.Find<CustomerEntity>(session.CustomerId)!;
        try
        {
            if (action == "payment-method")
            {
                billing.UpdateDefaultCard(customer, card, string.IsNullOrWhiteSpace(name) ? null : name);
            }
            else
            {
                var sub = state.Find<SubscriptionEntity>(subId, session.Scope);
                if (sub is null || sub.CustomerId != customer.Id || sub.IsEnded)
                {
                    throw ApiError.Invalid("That subscription cannot be changed here.");
                }

                var p = new ParamNode();
                switch (action)
                {
                    case "update":
                        if (!PlanChoices(sub).Any(c => c.Id == priceId))
                        {
                            throw ApiError.Invalid("That plan is not offered.");
                        }

                        p.Add("items[0][id]", sub.Items[0].Id);
                        p.Add("items[0][price]", priceId);
                        p.Add("proration_behavior", state.Options.PortalProrationBehavior);
                        break;
                    case "cancel":
                        p.Add("cancel_at_period_end", "true");
                        break;
                    case "resume":
                        p.Add("cancel_at_period_end", "false");
                        break;
                    default:
                        return Html(404, "Not found", "<p>Unknown billing portal action.</p>");
                }

                billing.UpdateSubscription(sub, p);
            }
        }
        catch (ApiError e)
        {
            return PortalPage(id, e.Message, e.Status == 402 ? 402 : 400);
        }

        return session.ReturnUrl is not null ? Redirect(session.ReturnUrl) : Redirect("/p/session/" + session.Id);
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
