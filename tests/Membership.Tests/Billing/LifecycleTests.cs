using System.Net;
using Membership.Data.Entities;
using Membership.StripeEmulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Membership.Tests.Billing;

/// <summary>A membership's life through Stripe: join, renew, fail and recover or lapse, change tier, cancel.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Join_CheckoutPaid_AccessOnlyOnceWebhookLands_LedgerHistoryAndEmails()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync();

        billing.Emulator.Webhooks.Hold();
        var checkout = await fan.JoinAsync(creator, "Bronze", settle: false);

        // Back from Checkout before any webhook: the redirect itself grants nothing.
        var done = await fan.Browser.GetAsync(new Uri(checkout.RedirectUrl.ToString()).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Contains("Confirming your payment", done.Html);
        Assert.Contains("http-equiv=\"refresh\"", done.Html);
        Assert.DoesNotContain(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.NotEqual(MemberStatus.Active, (await fan.MemberAsync(creator))?.Status);

        billing.Emulator.Webhooks.Release(WebhookReleaseOrder.AsHappened);
        await billing.SettleAsync();

        var member = await fan.MemberAsync(creator);
        Assert.Equal(MemberStatus.Active, member!.Status);
        Assert.Equal(creator.Tiers["Bronze"], member.TierId);
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.Contains("Welcome to Bronze", (await fan.Browser.GetAsync(new Uri(checkout.RedirectUrl.ToString()).PathAndQuery)).Html);

        var payment = Assert.Single(await fan.PaymentsAsync(creator));
        Assert.Equal(500, payment.AmountMinor);
        Assert.Equal(50, payment.PlatformFeeMinor); // Platform:FeePercent = 10
        Assert.Equal(checkout.InvoiceId, payment.StripeInvoiceId);
        Assert.Equal([MembershipChangeKind.Started], await fan.HistoryAsync(creator));
        var started = await billing.DbAsync(db => db.MembershipChanges.SingleAsync(c => c.Member!.User!.Email == fan.Email));
        Assert.Equal((0, 500), (started.MrrBeforeMinor, started.MrrAfterMinor));

        var subscription = await fan.SubscriptionAsync(creator);
        Assert.Equal("active", subscription.Status);
        var remote = await new SubscriptionService(billing.Stripe).GetAsync(subscription.StripeSubscriptionId);
        Assert.Equal(10m, remote.ApplicationFeePercent);
        var accountId = await billing.DbAsync(db => db.Creators.Where(c => c.Handle == creator.Handle).Select(c => c.StripeAccountId).SingleAsync());
        Assert.Equal(accountId, remote.TransferData.DestinationId);
        Assert.Equal(creator.Tiers["Bronze"].ToString(), remote.Metadata["tier_id"]);

        billing.Site.Mailbox.WaitFor(fan.Email, "Welcome to Bronze");
        var receipt = billing.Site.Mailbox.WaitFor(fan.Email, $"Receipt: $5.00 to Page {creator.Handle}");
        Assert.Contains("We received $5.00 for Bronze", receipt.TextBody);
    }

    [Fact]
    public async Task Renewal_ClockAdvancedAMonth_SecondLedgerRow_StillActive()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Gold");

        await billing.AdvanceAsync(TimeSpan.FromDays(32));

        var payments = await fan.PaymentsAsync(creator);
        Assert.Equal(2, payments.Count);
        Assert.All(payments, p => Assert.Equal(1500, p.AmountMinor));
        Assert.Equal(["subscription_create", "subscription_cycle"], payments.Select(p => p.BillingReason));
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Equal([MembershipChangeKind.Started], await fan.HistoryAsync(creator));
    }

    [Fact]
    public async Task FailedRenewal_PastDueWithAccessAndEmail_ThenRetriesRunOut_Ended()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Bronze", card: TestCards.FailsOnRenewal);

        await billing.AdvanceAsync(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));

        Assert.Equal(MemberStatus.PastDue, (await fan.MemberAsync(creator))!.Status);
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html); // grace
        var failed = billing.Site.Mailbox.WaitFor(fan.Email, $"Your payment to Page {creator.Handle} did not go through");
        Assert.Contains("You keep access until", failed.TextBody);
        Assert.Single(await fan.PaymentsAsync(creator));

        await billing.AdvanceAsync(TimeSpan.FromDays(8)); // retries at +3, +5, +7 days all fail → canceled

        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
        Assert.DoesNotContain(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.PastDue, MembershipChangeKind.Ended], await fan.HistoryAsync(creator));
        var ended = await billing.DbAsync(db => db.MembershipChanges.SingleAsync(c => c.Member!.User!.Email == fan.Email && c.Kind == MembershipChangeKind.Ended));
        Assert.Equal((500, 0), (ended.MrrBeforeMinor, ended.MrrAfterMinor));
        Assert.Single(await fan.PaymentsAsync(creator));
        Assert.Equal(1, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == fan.Email && e.Subject.Contains("did not go through"))));
        // Told the real end of access (the last retry, 7 days after the renewal), and then that it ended and why.
        Assert.Contains($"You keep access until {BillingSite.Start.AddMonths(1).AddDays(7):d MMMM yyyy}", failed.TextBody);
        var over = billing.Site.Mailbox.WaitFor(fan.Email, "Your Bronze membership has ended");
        Assert.Contains("the payment still did not go through after the last try", over.TextBody);
    }

    [Fact]
    public async Task FailedRenewal_NewCardInPortal_Restored()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Bronze", card: TestCards.FailsOnRenewal);
        await billing.AdvanceAsync(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));
        Assert.Equal(MemberStatus.PastDue, (await fan.MemberAsync(creator))!.Status);

        // "Manage membership" opens the portal, where the fan gives a good card.
        var manage = await fan.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/membership/manage", []);
        Assert.Equal(HttpStatusCode.Redirect, manage.Status);
        using var stripePages = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var portal = new Uri(manage.Location!);
        Assert.StartsWith(billing.Emulator.BaseUrl.ToString().TrimEnd('/'), portal.ToString());
        var updated = await stripePages.PostAsync(new Uri(portal, portal.AbsolutePath + "/payment-method"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["card_number"] = TestCards.Success }));
        Assert.Equal(HttpStatusCode.SeeOther, updated.StatusCode);
        await billing.SettleAsync();

        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.PastDue, MembershipChangeKind.Restored], await fan.HistoryAsync(creator));
        var payments = await fan.PaymentsAsync(creator);
        Assert.Equal(2, payments.Count);
        // The renewal invoice had a failed payment before the one that paid it: the ledger keeps the one that paid (and its fee).
        Assert.Equal("succeeded", billing.Emulator.GetObject(payments[1].StripeChargeId!)!["status"]!.ToString());
        Assert.Equal(50, payments[1].PlatformFeeMinor);
    }

    [Fact]
    public async Task Upgrade_MidPeriod_ProratedInvoice_TierAndMrrFollow()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");
        var goldPrice = await billing.DbAsync(db => db.TierPrices.Where(p => p.TierId == creator.Tiers["Gold"] && p.Interval == BillingInterval.Month).Select(p => p.Id).SingleAsync());
        // Gold's Stripe price exists once someone could join it: the fan looks at it in the portal.
        var goldJoin = await (await billing.FanAsync("other")).StartJoinAsync(creator, "Gold");
        Assert.Equal(HttpStatusCode.Redirect, goldJoin.Status);
        var goldStripePrice = await billing.DbAsync(db => db.TierPrices.Where(p => p.Id == goldPrice).Select(p => p.StripePriceId).SingleAsync());

        billing.Emulator.Clock.Advance(TimeSpan.FromDays(10));
        var subscription = await new SubscriptionService(billing.Stripe).GetAsync(checkout.SubscriptionId);
        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = goldStripePrice }],
            ProrationBehavior = "always_invoice",
        });
        await billing.SettleAsync();

        var member = await fan.MemberAsync(creator);
        Assert.Equal(creator.Tiers["Gold"], member!.TierId);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.Upgraded], await fan.HistoryAsync(creator));
        var upgrade = await billing.DbAsync(db => db.MembershipChanges.SingleAsync(c => c.Member!.User!.Email == fan.Email && c.Kind == MembershipChangeKind.Upgraded));
        Assert.Equal((500, 1500), (upgrade.MrrBeforeMinor, upgrade.MrrAfterMinor));
        var payments = await fan.PaymentsAsync(creator);
        Assert.Equal(2, payments.Count);
        // 21 of 31 days left: credit round(500 × 21/31) = 339, debit round(1500 × 21/31) = 1016.
        Assert.Equal(1016 - 339, payments[1].AmountMinor);
        Assert.Equal("subscription_update", payments[1].BillingReason);
    }

    [Fact]
    public async Task CancelAtPeriodEnd_KeepsAccessUntilEnd_ThenEnded()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");

        billing.Emulator.Clock.Advance(TimeSpan.FromDays(5));
        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await billing.SettleAsync();

        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.True((await fan.SubscriptionAsync(creator)).CancelAtPeriodEnd);
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html);

        await billing.AdvanceAsync(TimeSpan.FromDays(27));

        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
        Assert.DoesNotContain(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.CancelScheduled, MembershipChangeKind.Ended], await fan.HistoryAsync(creator));
        Assert.Single(await fan.PaymentsAsync(creator));
        var scheduled = billing.Site.Mailbox.WaitFor(fan.Email, "Your Bronze membership ends on 10 February 2026");
        Assert.Contains("you keep access until 10 February 2026", scheduled.TextBody);
        Assert.Contains("as you cancelled it", billing.Site.Mailbox.WaitFor(fan.Email, "Your Bronze membership has ended").TextBody);
    }

    [Fact]
    public async Task JoinAgainAfterEnding_Reactivated()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");
        await new SubscriptionService(billing.Stripe).CancelAsync(checkout.SubscriptionId);
        await billing.SettleAsync();
        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);

        await fan.JoinAsync(creator, "Gold");

        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.Ended, MembershipChangeKind.Reactivated], await fan.HistoryAsync(creator));
    }

    [Fact]
    public async Task Refund_ChargeRefunded_RecordedOnceAgainstThePayment()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Gold");
        var payment = Assert.Single(await fan.PaymentsAsync(creator));

        await new RefundService(billing.Stripe).CreateAsync(new RefundCreateOptions { Charge = payment.StripeChargeId, Amount = 400 });
        await billing.SettleAsync();
        await new RefundService(billing.Stripe).CreateAsync(new RefundCreateOptions { Charge = payment.StripeChargeId, Amount = 100 });
        await billing.SettleAsync();

        var refunds = await billing.DbAsync(db => db.Refunds.Where(r => r.PaymentId == payment.Id).OrderBy(r => r.Id).Select(r => r.AmountMinor).ToListAsync());
        Assert.Equal([400, 100], refunds);
        Assert.Equal(1500 - 500, (await fan.MemberAsync(creator))!.LifetimePaidMinor);
    }

    [Fact]
    public async Task Trial_AccessDuringTrialWithoutMrr_ThenFirstPaymentStartsIt()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(true, ("Taster", "8.00", "", ""));
        await creator.Browser.SubmitAsync($"/creator/tiers/{creator.Tiers["Taster"]}/edit", $"/creator/tiers/{creator.Tiers["Taster"]}/edit",
            Infrastructure.TestBrowser.TierFields("Taster", "8.00", trial: "14"));
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync();

        await fan.JoinAsync(creator, "Taster");

        Assert.Equal("trialing", (await fan.SubscriptionAsync(creator)).Status);
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.Empty(await fan.PaymentsAsync(creator)); // the $0 trial invoice moves no money
        Assert.Equal([MembershipChangeKind.TrialStarted], await fan.HistoryAsync(creator));

        await billing.AdvanceAsync(TimeSpan.FromDays(15));

        Assert.Equal("active", (await fan.SubscriptionAsync(creator)).Status);
        Assert.Equal([MembershipChangeKind.TrialStarted, MembershipChangeKind.Started], await fan.HistoryAsync(creator));
        var started = await billing.DbAsync(db => db.MembershipChanges.SingleAsync(c => c.Member!.User!.Email == fan.Email && c.Kind == MembershipChangeKind.Started));
        Assert.Equal((0, 800), (started.MrrBeforeMinor, started.MrrAfterMinor));
        Assert.Equal(BillingSite.Start.UtcDateTime.AddDays(14), started.OccurredAt);
        Assert.Equal(800, Assert.Single(await fan.PaymentsAsync(creator)).AmountMinor);
        Assert.Equal(1, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.To == fan.Email && e.Subject.StartsWith("Welcome"))));

        // Cancel and join again: one free trial per fan and creator, so this time they pay at once.
        var subscriptionId = (await fan.SubscriptionAsync(creator)).StripeSubscriptionId;
        await new SubscriptionService(billing.Stripe).CancelAsync(subscriptionId);
        await billing.SettleAsync();
        var again = await fan.JoinAsync(creator, "Taster");
        var second = await new SubscriptionService(billing.Stripe).GetAsync(again.SubscriptionId);
        Assert.Equal("active", second.Status);
        Assert.Null(second.TrialEnd);
        Assert.Equal(2, (await fan.PaymentsAsync(creator)).Count);
    }

    [Fact]
    public async Task TrialWillEnd_StillTrialing_EmailsDateAndPriceOnce_CancelledTrialGetsNone()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(true, ("Taster", "8.00", "", ""));
        await creator.Browser.SubmitAsync($"/creator/tiers/{creator.Tiers["Taster"]}/edit", $"/creator/tiers/{creator.Tiers["Taster"]}/edit",
            Infrastructure.TestBrowser.TierFields("Taster", "8.00", trial: "14"));
        var staying = await billing.FanAsync("staying");
        var leaving = await billing.FanAsync("leaving");
        await staying.JoinAsync(creator, "Taster");
        var cancelled = await leaving.JoinAsync(creator, "Taster");
        await new SubscriptionService(billing.Stripe).UpdateAsync(cancelled.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });

        await billing.AdvanceAsync(TimeSpan.FromDays(10));
        Assert.Equal(0, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.Subject.StartsWith("Your free trial"))));

        await billing.AdvanceAsync(TimeSpan.FromDays(2)); // Stripe's warning falls due three days before day 14
        var email = Assert.Single(await billing.DbAsync(db => db.OutboxEmails.AsNoTracking().Where(e => e.Subject.StartsWith("Your free trial")).ToListAsync()));
        Assert.Equal(staying.Email, email.To);
        var trialEnds = BillingSite.Start.UtcDateTime.AddDays(14).ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"Your free trial of Taster ends on {trialEnds}", email.Subject);
        var received = billing.Site.Mailbox.WaitFor(staying.Email, email.Subject);
        Assert.Contains($"ends on {trialEnds}. From then on, $8.00 a month will be charged to your card", received.TextBody);
        Assert.Contains($"/{creator.Handle}", received.TextBody);

        // The same event handled again (a redelivery, a second node) tells nobody twice.
        var subscriptionId = (await staying.SubscriptionAsync(creator)).StripeSubscriptionId;
        await using (var scope = billing.Site.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Membership.Web.Features.Billing.TrialEndingEmails>().SendAsync(subscriptionId, CancellationToken.None);
        }

        Assert.Equal(1, await billing.DbAsync(db => db.OutboxEmails.CountAsync(e => e.Subject.StartsWith("Your free trial"))));
    }
}
