using System.Net;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class CheckoutTests
{
    [Fact]
    public async Task Paying_with_4242_creates_an_active_subscription_a_paid_invoice_and_signed_webhooks()
    {
        await using var h = await Harness.StartAsync();
        var price = await h.CreateMonthlyPriceAsync(1500);
        var customer = await new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions { Email = "fan@example.test" });
        var session = await h.CreateCheckoutAsync(price.Id, o =>
        {
            o.Customer = customer.Id;
            o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { Metadata = new Dictionary<string, string> { ["tier_id"] = "3" } };
        });
        Assert.StartsWith("cs_test_", session.Id, StringComparison.Ordinal);
        Assert.Equal("open", session.Status);
        Assert.Equal("subscription", session.Mode);
        Assert.StartsWith(h.Emulator.ApiBase + "/c/pay/", session.Url, StringComparison.Ordinal);

        var page = await h.Pages.GetStringAsync(session.Url);
        Assert.Contains("USD 15.00 / month", page, StringComparison.Ordinal);
        Assert.Contains("Gold tier", page, StringComparison.Ordinal);

        using var paid = await h.PayAsync(session.Url, "4242 4242 4242 4242");
        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
        Assert.Equal($"https://site.test/billing/success?session_id={session.Id}", paid.Headers.Location!.ToString());

        session = await new Stripe.Checkout.SessionService(h.Client).GetAsync(session.Id);
        Assert.Equal("complete", session.Status);
        Assert.Equal("paid", session.PaymentStatus);
        Assert.Equal(customer.Id, session.CustomerId);
        Assert.Equal("member-7", session.ClientReferenceId);
        Assert.Equal("7", session.Metadata["member_id"]);

        var sub = await new SubscriptionService(h.Client).GetAsync(session.SubscriptionId);
        Assert.StartsWith("sub_", sub.Id, StringComparison.Ordinal);
        Assert.Equal("active", sub.Status);
        Assert.Equal("3", sub.Metadata["tier_id"]);
        var item = Assert.Single(sub.Items.Data);
        Assert.StartsWith("si_", item.Id, StringComparison.Ordinal);
        Assert.Equal(price.Id, item.Price.Id);
        var start = h.Emulator.Clock.UtcNow.UtcDateTime;
        Assert.Equal(start, item.CurrentPeriodStart);
        Assert.Equal(start.AddMonths(1), item.CurrentPeriodEnd);
        Assert.False(sub.CancelAtPeriodEnd);
        Assert.StartsWith("pm_", sub.DefaultPaymentMethodId, StringComparison.Ordinal);

        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId);
        Assert.StartsWith("in_", invoice.Id, StringComparison.Ordinal);
        Assert.Equal("paid", invoice.Status);
        Assert.Equal(1500, invoice.AmountPaid);
        Assert.Equal(1500, invoice.Total);
        Assert.Equal("subscription_create", invoice.BillingReason);
        Assert.Equal(sub.Id, invoice.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Null(invoice.Payments); // only when expanded
        invoice = await new InvoiceService(h.Client).GetAsync(invoice.Id, new InvoiceGetOptions { Expand = ["payments.data.payment.payment_intent"] });
        var payment = Assert.Single(invoice.Payments.Data).Payment;
        Assert.Equal("payment_intent", payment.Type);
        Assert.StartsWith("pi_", payment.PaymentIntentId, StringComparison.Ordinal);
        Assert.Null(payment.ChargeId); // a charge-type payment's field; this one is paid through the PaymentIntent
        Assert.StartsWith("ch_", payment.PaymentIntent.LatestChargeId, StringComparison.Ordinal);
        var charge = await new ChargeService(h.Client).GetAsync(payment.PaymentIntent.LatestChargeId);
        Assert.Equal("succeeded", charge.Status);
        Assert.Equal("4242", charge.PaymentMethodDetails.Card.Last4);

        var events = await h.VerifiedEventsAsync();
        Assert.Equal(["customer.subscription.created", "invoice.paid", "checkout.session.completed"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.StartsWith("evt_", e.Id, StringComparison.Ordinal));
        Assert.All(events, e => Assert.Equal(StripeConfiguration.ApiVersion, e.ApiVersion));
        var completed = Assert.IsType<Stripe.Checkout.Session>(events[2].Data.Object);
        Assert.Equal(session.Id, completed.Id);
        Assert.Equal(sub.Id, completed.SubscriptionId);
        Assert.Equal("member-7", completed.ClientReferenceId);
        var createdSub = Assert.IsType<Subscription>(events[0].Data.Object);
        Assert.Equal("active", createdSub.Status);
        var paidInvoice = Assert.IsType<Invoice>(events[1].Data.Object);
        Assert.Equal(invoice.Id, paidInvoice.Id);
        Assert.All(h.Emulator.Webhooks.Deliveries, d => Assert.Equal(WebhookDeliveryStatus.Delivered, d.Status));
        Assert.Equal("application/json; charset=utf-8", h.Receiver.Received[0].ContentType);

        // A completed session's page sends the browser on to success_url.
        using var again = await h.Pages.GetAsync(session.Url ?? h.Emulator.ApiBase + "/c/pay/" + session.Id);
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
    }

    [Fact]
    public async Task Checkout_without_a_customer_creates_one_from_the_email()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var customer = await new CustomerService(h.Client).GetAsync(sub.CustomerId);
        Assert.Equal("fan@example.test", customer.Email);
        Assert.Equal(sub.DefaultPaymentMethodId, customer.InvoiceSettings.DefaultPaymentMethodId);
    }

    [Fact]
    public async Task Declined_card_0002_shows_an_error_and_creates_nothing()
    {
        await using var h = await Harness.StartAsync();
        var price = await h.CreateMonthlyPriceAsync();
        var session = await h.CreateCheckoutAsync(price.Id);

        using var declined = await h.PayAsync(session.Url, TestCards.Declined);
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
        Assert.Contains("Your card was declined.", await declined.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        session = await new Stripe.Checkout.SessionService(h.Client).GetAsync(session.Id);
        Assert.Equal("open", session.Status);
        Assert.Null(session.SubscriptionId);
        Assert.Empty(h.Emulator.ObjectIds("customer"));
        Assert.Empty(h.Emulator.ObjectIds("subscription"));
        Assert.Empty(h.Emulator.ObjectIds("invoice"));
        Assert.Empty(h.Emulator.ObjectIds("charge"));
        Assert.Empty(h.Emulator.Events);

        using var unknownCard = await h.PayAsync(session.Url, "1234 5678 9012 3456");
        Assert.Equal(HttpStatusCode.PaymentRequired, unknownCard.StatusCode);
        Assert.Contains("incorrect", await unknownCard.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same session can still be paid with a good card.
        using var paid = await h.PayAsync(session.Url, TestCards.Success);
        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);

        var shortcut = await h.CreateCheckoutAsync(price.Id);
        var ex = Assert.Throws<StripeEmulatorException>(() => h.Emulator.CompleteCheckout(shortcut.Id, TestCards.InsufficientFunds));
        Assert.Equal("insufficient_funds", ex.DeclineCode);
    }

    [Fact]
    public async Task Trial_starts_with_a_zero_invoice_and_bills_when_the_trial_ends()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync(configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 7 });
        Assert.Equal("trialing", sub.Status);
        var start = h.Emulator.Clock.UtcNow.UtcDateTime;
        Assert.Equal(start.AddDays(7), sub.TrialEnd);
        Assert.Equal(start.AddDays(7), sub.Items.Data[0].CurrentPeriodEnd);
        var first = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId);
        Assert.Equal(0, first.AmountDue);
        Assert.Equal("paid", first.Status);
        var session = (await new Stripe.Checkout.SessionService(h.Client).ListAsync(new Stripe.Checkout.SessionListOptions { Subscription = sub.Id })).Data[0];
        Assert.Equal("no_payment_required", session.PaymentStatus);

        h.Emulator.Clock.Advance(TimeSpan.FromDays(7));
        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("active", sub.Status);
        Assert.Equal(start.AddDays(7).AddMonths(1), sub.Items.Data[0].CurrentPeriodEnd);
        var second = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId);
        Assert.Equal(1000, second.AmountPaid);
        Assert.Equal("subscription_cycle", second.BillingReason);

        var events = await h.VerifiedEventsAsync();
        var updated = events.Single(e => e.Type == "customer.subscription.updated");
        Assert.Equal("trialing", updated.Data.PreviousAttributes["status"]?.ToString());
    }

    [Fact]
    public async Task Checkout_validates_its_parameters()
    {
        await using var h = await Harness.StartAsync();
        var price = await h.CreateMonthlyPriceAsync();
        var sessions = new Stripe.Checkout.SessionService(h.Client);

        var payment = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, o => o.Mode = "payment"));
        Assert.Equal("mode", payment.StripeError.Param);

        var noFeeTarget = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, o =>
            o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { ApplicationFeePercent = 10 }));
        Assert.Equal("subscription_data[application_fee_percent]", noFeeTarget.StripeError.Param);

        var missingPrice = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync("price_missing"));
        Assert.Equal(HttpStatusCode.BadRequest, missingPrice.HttpStatusCode); // an id in a parameter: 400 (404 is for the URL's object)
        Assert.Equal("resource_missing", missingPrice.StripeError.Code);
        Assert.Equal("line_items[0][price]", missingPrice.StripeError.Param);

        var expired = await h.CreateCheckoutAsync(price.Id);
        var afterExpire = await sessions.ExpireAsync(expired.Id);
        Assert.Equal("expired", afterExpire.Status);
        Assert.Null(afterExpire.Url);
        using var expiredPage = await h.Pages.GetAsync(expired.Url);
        Assert.Equal(HttpStatusCode.Gone, expiredPage.StatusCode);
    }

    // Stripe: expires_at "can be anywhere from 30 minutes to 24 hours after Checkout Session creation", measured on
    // Stripe's (real) clock — https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at
    [Fact]
    public async Task CreateSession_AfterTheClockMovedAMonth_IsOpenOnTheEmulatorTimelineAndExpiresThere()
    {
        await using var h = await Harness.StartAsync();
        var price = await h.CreateMonthlyPriceAsync();
        h.Emulator.Clock.Advance(TimeSpan.FromDays(31));
        var sessions = new Stripe.Checkout.SessionService(h.Client);

        var paid = await h.CreateCheckoutAsync(price.Id, o => o.ExpiresAt = DateTime.UtcNow.AddMinutes(31));
        Assert.Equal("open", paid.Status);
        Assert.InRange(paid.ExpiresAt, h.Emulator.Clock.UtcNow.UtcDateTime.AddMinutes(30), h.Emulator.Clock.UtcNow.UtcDateTime.AddMinutes(31));
        using (var done = await h.PayAsync(paid.Url, TestCards.Success))
        {
            Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        }

        Assert.Equal("complete", (await sessions.GetAsync(paid.Id)).Status);

        var left = await h.CreateCheckoutAsync(price.Id, o => o.ExpiresAt = DateTime.UtcNow.AddMinutes(31));
        h.Emulator.Clock.Advance(TimeSpan.FromMinutes(32));
        var expired = await sessions.GetAsync(left.Id);
        Assert.Equal("expired", expired.Status);
        Assert.Null(expired.Url);
        var events = await h.VerifiedEventsAsync();
        var expiredEvent = Assert.Single(events, e => e.Type == "checkout.session.expired");
        Assert.Equal(left.Id, ((Stripe.Checkout.Session)expiredEvent.Data.Object).Id);
        Assert.Equal(left.ExpiresAt, expiredEvent.Created); // expired when it fell due, on the way
        using var page = await h.Pages.GetAsync(left.Url);
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
    }

    // Same page: outside 30 minutes – 24 hours of real time Stripe answers 400 on expires_at.
    [Fact]
    public async Task CreateSession_ExpiresAtOutsideThirtyMinutesToADayOfRealTime_Is400()
    {
        await using var h = await Harness.StartAsync();
        var price = await h.CreateMonthlyPriceAsync();

        var soon = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, o => o.ExpiresAt = DateTime.UtcNow.AddMinutes(10)));
        Assert.Equal(HttpStatusCode.BadRequest, soon.HttpStatusCode);
        Assert.Equal("expires_at", soon.StripeError.Param);
        Assert.Equal("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", soon.StripeError.Message);

        var late = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, o => o.ExpiresAt = DateTime.UtcNow.AddHours(25)));
        Assert.Equal("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", late.StripeError.Message);

        // An instant on the emulator's own timeline (2030 here) is years from real time: refused too, as Stripe would.
        var emulatorTime = await Assert.ThrowsAsync<StripeException>(() => h.CreateCheckoutAsync(price.Id, o => o.ExpiresAt = h.Emulator.Clock.UtcNow.UtcDateTime.AddHours(1)));
        Assert.Equal("expires_at", emulatorTime.StripeError.Param);
        Assert.Empty(h.Emulator.ObjectIds("checkout.session"));
    }
}
