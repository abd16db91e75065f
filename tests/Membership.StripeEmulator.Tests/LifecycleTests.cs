using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Renewal_with_4242_moves_the_period_and_adds_a_second_paid_invoice()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var firstEnd = sub.Items.Data[0].CurrentPeriodEnd;

        h.Emulator.Clock.AdvanceTo(new DateTimeOffset(firstEnd, TimeSpan.Zero).AddHours(1));

        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("active", sub.Status);
        Assert.Equal(firstEnd, sub.Items.Data[0].CurrentPeriodStart);
        Assert.Equal(firstEnd.AddMonths(1), sub.Items.Data[0].CurrentPeriodEnd);
        var invoices = await new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Subscription = sub.Id });
        Assert.Equal(2, invoices.Data.Count);
        var renewal = invoices.Data[0];
        Assert.Equal(sub.LatestInvoiceId, renewal.Id);
        Assert.Equal("paid", renewal.Status);
        Assert.Equal("subscription_cycle", renewal.BillingReason);
        Assert.Equal(1000, renewal.AmountPaid);
        Assert.Equal(firstEnd, renewal.PeriodStart);

        var events = await h.VerifiedEventsAsync();
        Assert.Equal(
            ["customer.subscription.created", "invoice.paid", "checkout.session.completed", "customer.subscription.updated", "invoice.paid"],
            events.Select(e => e.Type));
        Assert.Equal(new DateTimeOffset(firstEnd, TimeSpan.Zero).ToUnixTimeSeconds(), new DateTimeOffset(events[4].Created, TimeSpan.Zero).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Card_0341_fails_on_renewal_goes_past_due_retries_then_is_canceled()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync(TestCards.FailsOnRenewal);
        Assert.Equal("active", sub.Status); // the checkout payment itself succeeds
        var renewalAt = new DateTimeOffset(sub.Items.Data[0].CurrentPeriodEnd, TimeSpan.Zero);

        h.Emulator.Clock.AdvanceTo(renewalAt);
        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("past_due", sub.Status);
        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId);
        Assert.Equal("open", invoice.Status);
        Assert.Equal(1, invoice.AttemptCount);
        Assert.Equal(renewalAt.AddDays(3).UtcDateTime, invoice.NextPaymentAttempt);

        h.Emulator.Clock.AdvanceTo(renewalAt.AddDays(3));
        invoice = await new InvoiceService(h.Client).GetAsync(invoice.Id);
        Assert.Equal(2, invoice.AttemptCount);
        Assert.Equal(renewalAt.AddDays(5).UtcDateTime, invoice.NextPaymentAttempt);

        h.Emulator.Clock.AdvanceTo(renewalAt.AddDays(6));
        invoice = await new InvoiceService(h.Client).GetAsync(invoice.Id);
        Assert.Equal(3, invoice.AttemptCount);
        Assert.Equal("past_due", (await new SubscriptionService(h.Client).GetAsync(sub.Id)).Status);

        h.Emulator.Clock.AdvanceTo(renewalAt.AddDays(7));
        invoice = await new InvoiceService(h.Client).GetAsync(invoice.Id);
        Assert.Equal(4, invoice.AttemptCount);
        Assert.Null(invoice.NextPaymentAttempt);
        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("canceled", sub.Status);
        Assert.Equal("payment_failed", sub.CancellationDetails.Reason);
        Assert.Equal(renewalAt.AddDays(7).UtcDateTime, sub.EndedAt);

        var events = await h.VerifiedEventsAsync();
        var afterCheckout = events.Skip(3).Select(e => e.Type).ToList();
        Assert.Equal(
            [
                "customer.subscription.updated", "invoice.payment_failed",
                "invoice.payment_failed", "invoice.payment_failed", "invoice.payment_failed",
                "customer.subscription.deleted",
            ],
            afterCheckout);
        var pastDue = events[3];
        Assert.Equal("past_due", ((Subscription)pastDue.Data.Object).Status);
        Assert.Equal("active", pastDue.Data.PreviousAttributes["status"]?.ToString());
        var failedCharge = await new ChargeService(h.Client).ListAsync(new ChargeListOptions { Customer = sub.CustomerId });
        Assert.Equal(4, failedCharge.Data.Count(c => c.Status == "failed"));
        Assert.All(failedCharge.Data.Where(c => c.Status == "failed"), c => Assert.Equal("card_declined", c.FailureCode));
    }

    [Fact]
    public async Task Final_failure_can_mark_the_subscription_unpaid_and_a_new_card_in_the_portal_recovers_it()
    {
        await using var h = await Harness.StartAsync(o => o.FinalPaymentFailureAction = FinalPaymentFailureAction.MarkUnpaid);
        var sub = await h.SubscribeAsync(TestCards.FailsOnRenewal);
        h.Emulator.Clock.AdvanceTo(new DateTimeOffset(sub.Items.Data[0].CurrentPeriodEnd, TimeSpan.Zero).AddDays(8));
        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("unpaid", sub.Status);

        var portal = await new Stripe.BillingPortal.SessionService(h.Client).CreateAsync(new Stripe.BillingPortal.SessionCreateOptions
        {
            Customer = sub.CustomerId,
            ReturnUrl = "https://site.test/account",
        });
        using var updated = await h.Pages.PostAsync(portal.Url + "/payment-method", new FormUrlEncodedContent(new Dictionary<string, string> { ["card_number"] = TestCards.Success }));
        Assert.Equal(HttpStatusCode.SeeOther, updated.StatusCode);
        sub = await new SubscriptionService(h.Client).GetAsync(sub.Id);
        Assert.Equal("active", sub.Status);
        Assert.Equal("paid", (await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId)).Status);
    }

    [Fact]
    public async Task Upgrade_with_always_invoice_charges_the_documented_proration()
    {
        await using var h = await Harness.StartAsync();
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(3000, productId: basic.ProductId);
        var sub = await h.SubscribeAsync(price: basic);
        var item = sub.Items.Data[0];
        var periodStart = new DateTimeOffset(item.CurrentPeriodStart, TimeSpan.Zero).ToUnixTimeSeconds();
        var periodEnd = new DateTimeOffset(item.CurrentPeriodEnd, TimeSpan.Zero).ToUnixTimeSeconds();

        h.Emulator.Clock.Advance(TimeSpan.FromDays(10));
        var t = h.Emulator.Clock.UnixNow;
        var updated = await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = premium.Id }],
            ProrationBehavior = "always_invoice",
        });
        Assert.Equal(premium.Id, updated.Items.Data[0].Price.Id);
        Assert.Equal(item.Id, updated.Items.Data[0].Id);
        Assert.Equal(item.CurrentPeriodEnd, updated.Items.Data[0].CurrentPeriodEnd); // same billing cycle

        var remaining = periodEnd - t;
        var length = periodEnd - periodStart;
        var credit = (long)Math.Round(1000m * remaining / length, MidpointRounding.AwayFromZero);
        var debit = (long)Math.Round(3000m * remaining / length, MidpointRounding.AwayFromZero);
        var invoice = await new InvoiceService(h.Client).GetAsync(updated.LatestInvoiceId);
        Assert.Equal("subscription_update", invoice.BillingReason);
        Assert.Equal("paid", invoice.Status);
        Assert.Equal([-credit, debit], invoice.Lines.Data.Select(l => l.Amount));
        Assert.Equal(debit - credit, invoice.AmountPaid);
        Assert.Equal(1355, debit - credit); // 31-day January, 21 days left: 2000 × 21/31 = 1354.8…

        var events = await h.VerifiedEventsAsync();
        Assert.Equal(["customer.subscription.updated", "invoice.paid"], events.Skip(3).Select(e => e.Type));
        Assert.True(events[3].Data.PreviousAttributes["items"] is not null);
    }

    [Fact]
    public async Task Create_prorations_are_added_to_the_next_renewal_invoice()
    {
        await using var h = await Harness.StartAsync();
        var basic = await h.CreateMonthlyPriceAsync(1000, "Basic");
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var sub = await h.SubscribeAsync(price: basic);
        var item = sub.Items.Data[0];
        var start = new DateTimeOffset(item.CurrentPeriodStart, TimeSpan.Zero).ToUnixTimeSeconds();
        var end = new DateTimeOffset(item.CurrentPeriodEnd, TimeSpan.Zero).ToUnixTimeSeconds();
        var half = start + ((end - start) / 2);

        var updated = await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = item.Id, Price = premium.Id }],
            ProrationDate = DateTimeOffset.FromUnixTimeSeconds(half).UtcDateTime,
        });
        Assert.Equal(sub.LatestInvoiceId, updated.LatestInvoiceId); // nothing invoiced yet

        h.Emulator.Clock.AdvanceTo(DateTimeOffset.FromUnixTimeSeconds(end));
        var renewal = await new InvoiceService(h.Client).GetAsync((await new SubscriptionService(h.Client).GetAsync(sub.Id)).LatestInvoiceId);
        Assert.Equal(3, renewal.Lines.Data.Count);
        Assert.Equal([-500, 1000, 2000], renewal.Lines.Data.Select(l => l.Amount));
        Assert.Equal(2500, renewal.AmountPaid);
    }

    [Fact]
    public async Task Cancel_at_period_end_ends_the_subscription_when_the_period_ends()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var subs = new SubscriptionService(h.Client);
        var end = sub.Items.Data[0].CurrentPeriodEnd;

        var canceling = await subs.UpdateAsync(sub.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        Assert.True(canceling.CancelAtPeriodEnd);
        Assert.Equal(end, canceling.CancelAt);
        Assert.Equal("active", canceling.Status);

        var resumed = await subs.UpdateAsync(sub.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = false });
        Assert.False(resumed.CancelAtPeriodEnd);
        Assert.Null(resumed.CanceledAt);
        await subs.UpdateAsync(sub.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });

        h.Emulator.Clock.AdvanceTo(new DateTimeOffset(end, TimeSpan.Zero).AddMinutes(-1));
        Assert.Equal("active", (await subs.GetAsync(sub.Id)).Status);
        h.Emulator.Clock.Advance(TimeSpan.FromMinutes(2));
        var ended = await subs.GetAsync(sub.Id);
        Assert.Equal("canceled", ended.Status);
        Assert.Equal(end, ended.EndedAt);
        Assert.Single(await new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Subscription = sub.Id })); // no renewal invoice

        var events = await h.VerifiedEventsAsync();
        Assert.Equal(
            ["customer.subscription.updated", "customer.subscription.updated", "customer.subscription.updated", "customer.subscription.deleted"],
            events.Skip(3).Select(e => e.Type));
        Assert.Empty(await subs.ListAsync(new SubscriptionListOptions { Customer = sub.CustomerId }));
        Assert.Single(await subs.ListAsync(new SubscriptionListOptions { Customer = sub.CustomerId, Status = "canceled" }));
    }

    [Fact]
    public async Task Delete_cancels_at_once()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        var canceled = await new SubscriptionService(h.Client).CancelAsync(sub.Id);
        Assert.Equal("canceled", canceled.Status);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime, canceled.EndedAt);
        Assert.Equal("cancellation_requested", canceled.CancellationDetails.Reason);
        var again = await Assert.ThrowsAsync<StripeException>(() => new SubscriptionService(h.Client).CancelAsync(sub.Id));
        Assert.Equal(HttpStatusCode.BadRequest, again.HttpStatusCode);
        var events = await h.VerifiedEventsAsync();
        Assert.Equal("customer.subscription.deleted", events[^1].Type);
    }

    [Fact]
    public async Task The_clock_can_be_read_and_advanced_over_http()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync();
        using var http = new HttpClient { BaseAddress = h.Emulator.BaseUrl };
        var clock = await http.GetFromJsonAsync<JsonObject>("/_emulator/clock");
        Assert.Equal(h.Emulator.Clock.UnixNow, clock!["now"]!.GetValue<long>());
        Assert.Equal(new DateTimeOffset(sub.Items.Data[0].CurrentPeriodEnd, TimeSpan.Zero).ToUnixTimeSeconds(), clock["next_due"]!.GetValue<long>());
        Assert.Equal("Renewal", clock["upcoming"]![0]!["kind"]!.GetValue<string>());

        using var advanced = await http.PostAsJsonAsync("/_emulator/clock/advance", new { seconds = 86_400 * 40 });
        Assert.Equal(HttpStatusCode.OK, advanced.StatusCode);
        Assert.Equal(2, (await new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data.Count);

        var target = h.Emulator.Clock.UnixNow + (86_400 * 30);
        using var to = await http.PostAsJsonAsync("/_emulator/clock/advance", new { to = target });
        Assert.Equal(target, (await to.Content.ReadFromJsonAsync<JsonObject>())!["now"]!.GetValue<long>());
        Assert.Equal(3, (await new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Customer = sub.CustomerId })).Data.Count);

        using var backwards = await http.PostAsJsonAsync("/_emulator/clock/advance", new { to = target - 100 });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
    }

    [Fact]
    public async Task Refunding_an_invoice_charge_emits_charge_refunded()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync(amount: 2000);
        var invoice = await new InvoiceService(h.Client).GetAsync(sub.LatestInvoiceId, new InvoiceGetOptions { Expand = ["payments.data.payment.payment_intent"] });
        var payment = invoice.Payments.Data[0].Payment;
        var chargeId = payment.PaymentIntent.LatestChargeId;
        var refunds = new RefundService(h.Client);

        var partial = await refunds.CreateAsync(new RefundCreateOptions { Charge = chargeId, Amount = 500, Reason = "requested_by_customer" });
        Assert.StartsWith("re_", partial.Id, StringComparison.Ordinal);
        Assert.Equal("succeeded", partial.Status);
        Assert.Equal(500, partial.Amount);

        var rest = await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = payment.PaymentIntentId });
        Assert.Equal(1500, rest.Amount);
        Assert.Equal(chargeId, rest.ChargeId);

        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => refunds.CreateAsync(new RefundCreateOptions { Charge = chargeId, Amount = 1 }));
        Assert.Equal("charge_already_refunded", tooMuch.StripeError.Code);

        var charge = await new ChargeService(h.Client).GetAsync(chargeId, new ChargeGetOptions { Expand = ["refunds"] });
        Assert.True(charge.Refunded);
        Assert.Equal(2000, charge.AmountRefunded);
        Assert.Equal(2, charge.Refunds.Data.Count);

        var events = await h.VerifiedEventsAsync();
        var refundedEvents = events.Where(e => e.Type == "charge.refunded").ToList();
        Assert.Equal(2, refundedEvents.Count);
        Assert.Equal(500, ((Charge)refundedEvents[0].Data.Object).AmountRefunded);
        Assert.False(((Charge)refundedEvents[0].Data.Object).Refunded);
        Assert.True(((Charge)refundedEvents[1].Data.Object).Refunded);
        Assert.Equal("paid", (await new InvoiceService(h.Client).GetAsync(invoice.Id)).Status);
    }

    [Fact]
    public async Task Trial_will_end_is_sent_three_days_before_the_trial_ends_and_once()
    {
        await using var h = await Harness.StartAsync();
        var start = h.Emulator.Clock.UtcNow;
        var sub = await h.SubscribeAsync(configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 14 });
        var warning = Assert.Single(h.Emulator.Upcoming(), w => w.Kind == DueWorkKind.TrialWillEnd);
        Assert.Equal(sub.TrialEnd!.Value.AddDays(-3), warning.At.UtcDateTime);

        h.Emulator.Clock.AdvanceTo(warning.At.AddSeconds(-1));
        await h.WebhooksIdleAsync();
        Assert.DoesNotContain(await h.VerifiedEventsAsync(), e => e.Type == "customer.subscription.trial_will_end");

        h.Emulator.Clock.AdvanceTo(start.AddDays(13));
        await h.WebhooksIdleAsync();
        var sent = Assert.Single(await h.VerifiedEventsAsync(), e => e.Type == "customer.subscription.trial_will_end");
        Assert.Equal(sub.Id, ((Subscription)sent.Data.Object).Id);
        Assert.Equal(warning.At.UtcDateTime, sent.Created);

        h.Emulator.Clock.AdvanceTo(start.AddDays(20)); // the trial ends and bills: no second warning
        await h.WebhooksIdleAsync();
        Assert.Single(await h.VerifiedEventsAsync(), e => e.Type == "customer.subscription.trial_will_end");
        Assert.Equal("active", (await new SubscriptionService(h.Client).GetAsync(sub.Id)).Status);
    }

    [Fact]
    public async Task Trial_will_end_is_sent_at_once_for_a_trial_shorter_than_three_days_and_for_trial_end_now()
    {
        await using var h = await Harness.StartAsync();
        var shortTrial = await h.SubscribeAsync(configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 2 });
        var endedNow = await h.SubscribeAsync(configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 30 });
        await new SubscriptionService(h.Client).UpdateAsync(endedNow.Id, new SubscriptionUpdateOptions { TrialEnd = SubscriptionTrialEnd.Now });
        await new SubscriptionService(h.Client).GetAsync(shortTrial.Id); // any request does what is due
        await h.WebhooksIdleAsync();

        var warnings = (await h.VerifiedEventsAsync()).Where(e => e.Type == "customer.subscription.trial_will_end").Select(e => ((Subscription)e.Data.Object).Id).ToList();
        Assert.Equal([shortTrial.Id, endedNow.Id], warnings);
        Assert.DoesNotContain(h.Emulator.Upcoming(), w => w.Kind == DueWorkKind.TrialWillEnd);
    }

    [Fact]
    public async Task Trial_end_now_bills_at_once()
    {
        await using var h = await Harness.StartAsync();
        var sub = await h.SubscribeAsync(configure: o => o.SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions { TrialPeriodDays = 14 });
        Assert.Equal("trialing", sub.Status);
        var ended = await new SubscriptionService(h.Client).UpdateAsync(sub.Id, new SubscriptionUpdateOptions { TrialEnd = SubscriptionTrialEnd.Now });
        Assert.Equal("active", ended.Status);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime, ended.TrialEnd);
        Assert.Equal(h.Emulator.Clock.UtcNow.UtcDateTime.AddMonths(1), ended.Items.Data[0].CurrentPeriodEnd);
        var invoice = await new InvoiceService(h.Client).GetAsync(ended.LatestInvoiceId);
        Assert.Equal(1000, invoice.AmountPaid);
    }

    [Fact]
    public async Task Subscriptions_created_over_the_api_charge_the_saved_card_or_stay_incomplete()
    {
        await using var h = await Harness.StartAsync();
        var first = await h.SubscribeAsync();
        var another = await h.CreateMonthlyPriceAsync(700, "Silver");
        var subs = new SubscriptionService(h.Client);

        var second = await subs.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = first.CustomerId,
            Items = [new SubscriptionItemOptions { Price = another.Id }],
            Metadata = new Dictionary<string, string> { ["member_id"] = "7" },
        });
        Assert.Equal("active", second.Status);
        Assert.Equal(700, (await new InvoiceService(h.Client).GetAsync(second.LatestInvoiceId)).AmountPaid);

        var bare = await new CustomerService(h.Client).CreateAsync(new CustomerCreateOptions { Email = "nocard@example.test" });
        var incomplete = await subs.CreateAsync(new SubscriptionCreateOptions { Customer = bare.Id, Items = [new SubscriptionItemOptions { Price = another.Id }] });
        Assert.Equal("incomplete", incomplete.Status);
        Assert.Equal("open", (await new InvoiceService(h.Client).GetAsync(incomplete.LatestInvoiceId)).Status);

        var trial = await subs.CreateAsync(new SubscriptionCreateOptions { Customer = bare.Id, Items = [new SubscriptionItemOptions { Price = another.Id }], TrialPeriodDays = 3 });
        Assert.Equal("trialing", trial.Status);
        h.Emulator.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal("past_due", (await subs.GetAsync(trial.Id)).Status); // no card on file when the trial ends
    }
}
