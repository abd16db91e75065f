using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Tests.Billing;

/// <summary>The Join form and what it may and may not start, and how it behaves when Stripe misbehaves.</summary>
public sealed class JoinTests
{
    [Fact]
    public async Task StripeAnswers500ThenOk_OneCheckoutSession_SameIdempotencyKeyOnBothTries()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Faults.FailNext(1, "/v1/checkout/sessions");

        var page = await fan.StartJoinAsync(creator, "Bronze");

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        var tries = billing.Emulator.Requests.Where(r => r.Method == "POST" && r.Path == "/v1/checkout/sessions").ToList();
        Assert.Equal(2, tries.Count);
        Assert.NotNull(tries[0].Fault);
        Assert.Equal(200, tries[1].StatusCode);
        Assert.NotNull(tries[0].IdempotencyKey);
        Assert.Equal(tries[0].IdempotencyKey, tries[1].IdempotencyKey);
        Assert.Single(billing.Emulator.ObjectIds("checkout.session"));
        Assert.Single(billing.Emulator.ObjectIds("customer"));
    }

    [Fact]
    public async Task StripeRateLimits_429BackedOffAndRetried_Works()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Faults.RateLimitNext(1, "/v1/customers", retryAfterSeconds: 1, shouldRetry: true);

        var page = await fan.StartJoinAsync(creator, "Bronze");

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        var tries = billing.Emulator.Requests.Where(r => r.Method == "POST" && r.Path == "/v1/customers").ToList();
        Assert.Equal([429, 200], tries.Select(r => r.StatusCode));
        Assert.Single(billing.Emulator.ObjectIds("customer"));
    }

    [Fact]
    public async Task StripeDown_ClearMessage503_ThenCircuitOpensAndStopsCalling()
    {
        await using var billing = await BillingSite.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Stripe:MaxNetworkRetries"] = "0",
            ["Stripe:BreakAfterFailures"] = "3",
        });
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        billing.Emulator.Faults.FailNext(100, "/v1/");

        for (var i = 0; i < 3; i++)
        {
            var failed = await fan.StartJoinAsync(creator, "Bronze");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
            Assert.Contains("Payments are unavailable right now", failed.Html);
        }

        var calls = billing.Emulator.Requests.Count;
        var paused = await fan.StartJoinAsync(creator, "Bronze");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, paused.Status);
        Assert.Contains("Payments are unavailable right now", paused.Html);
        Assert.Equal(calls, billing.Emulator.Requests.Count);
        Assert.Empty(billing.Emulator.ObjectIds("checkout.session"));
        Assert.Equal(0, await billing.DbAsync(db => db.CheckoutAttempts.CountAsync(a => a.StripeSessionId != null)));
    }

    [Fact]
    public async Task StripeTakesConnectionsButNeverAnswers_Join503WithinCallTimeout_ReadinessDegraded()
    {
        await using var billing = await BillingSite.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Stripe:TimeoutSeconds"] = "2",
            ["Stripe:CallTimeoutSeconds"] = "3",
        });
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        using var client = billing.Site.CreateClient();
        Assert.Contains("\"stripe\":{\"status\":\"Healthy\"", await client.GetStringAsync("/healthz/ready"));
        billing.Emulator.Faults.HangNext(TimeSpan.FromSeconds(60), 100, "/v1/");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failed = await fan.StartJoinAsync(creator, "Bronze");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Contains("Payments are unavailable right now", failed.Html);
        // Bounded by Stripe:CallTimeoutSeconds, not by 60 s of a Stripe that never answers (generous for a slow machine).
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 20);
        var ready = await client.GetStringAsync("/healthz/ready");
        Assert.Contains("\"stripe\":{\"status\":\"Degraded\"", ready);
        Assert.Contains("did not answer within 3 s", ready);
        billing.Emulator.Faults.Clear();
    }

    [Fact]
    public async Task TamperedForm_OtherCreatorsTierOrBadInterval_RejectedAndNothingStarted()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var other = await billing.CreatorAsync();
        var fan = await billing.FanAsync();

        // Another creator's tier under this creator's page.
        var crossed = await fan.Browser.SubmitAsync(creator.JoinPage("Bronze"), $"/{creator.Handle}/join/{other.Tiers["Gold"]}",
            new Dictionary<string, string> { ["Form.Interval"] = "month" });
        Assert.Equal(HttpStatusCode.NotFound, crossed.Status);

        var badInterval = await fan.StartJoinAsync(creator, "Bronze", "week");
        Assert.Equal(HttpStatusCode.BadRequest, badInterval.Status);
        Assert.Contains("Choose monthly or yearly", badInterval.Html);

        var noYearly = await fan.StartJoinAsync(creator, "Bronze", "year");
        Assert.Equal(HttpStatusCode.BadRequest, noYearly.Status);
        Assert.Contains("has no yearly price", noYearly.Html);

        // A price id slipped into the form is not a field the site reads: the tier's own price is used.
        var slipped = await fan.Browser.SubmitAsync(creator.JoinPage("Bronze"), creator.JoinPage("Bronze"), new Dictionary<string, string>
        {
            ["Form.Interval"] = "month",
            ["Form.Price"] = "price_attacker",
            ["Form.TierId"] = other.Tiers["Gold"].ToString(),
        });
        Assert.Equal(HttpStatusCode.Redirect, slipped.Status);
        var session = await new Stripe.Checkout.SessionService(billing.Stripe).GetAsync(Fan.SessionIdIn(slipped.Location!), new Stripe.Checkout.SessionGetOptions { Expand = ["line_items"] });
        var bronzePrice = await billing.DbAsync(db => db.TierPrices.Where(p => p.TierId == creator.Tiers["Bronze"]).Select(p => p.StripePriceId).SingleAsync());
        Assert.Equal(bronzePrice, session.LineItems.Data.Single().Price.Id);

        var withoutToken = await fan.Browser.PostAsync(creator.JoinPage("Gold"), [new("Form.Interval", "month")]);
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.Status);

        using var anonymous = billing.Site.CreateBrowser();
        var signedOut = await anonymous.GetAsync(creator.JoinPage("Gold"));
        Assert.Contains("Sign in to join", signedOut.Html);

        Assert.Single(billing.Emulator.ObjectIds("checkout.session"));
        Assert.Equal(1, await billing.DbAsync(db => db.CheckoutAttempts.CountAsync()));
    }

    [Fact]
    public async Task ArchivedTier_JoinRefused()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var archived = await creator.Browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{creator.Tiers["Gold"]}/archive", []);
        Assert.Equal(HttpStatusCode.Redirect, archived.Status);

        Assert.Equal(HttpStatusCode.NotFound, (await fan.Browser.GetAsync(creator.JoinPage("Gold"))).Status);
        var page = await fan.Browser.SubmitAsync(creator.JoinPage("Bronze"), creator.JoinPage("Gold"), new Dictionary<string, string> { ["Form.Interval"] = "month" });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("no longer open to new members", page.Text);
        Assert.Empty(billing.Emulator.ObjectIds("checkout.session"));
    }

    [Fact]
    public async Task PayoutsNotConnected_JoinRefused_ThenAccountUpdatedWebhookOpensIt()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(connect: false);
        var fan = await billing.FanAsync();

        var closed = await fan.StartJoinAsync(creator, "Bronze");
        Assert.Equal(HttpStatusCode.BadRequest, closed.Status);
        Assert.Contains("has not finished connecting payouts", closed.Html);

        // Onboarding done on Stripe's page, but the creator never comes back: account.updated opens payments.
        var start = await creator.Browser.SubmitAsync("/creator/payouts", "/creator/payouts", []);
        Assert.Equal(HttpStatusCode.Redirect, start.Status);
        var accountId = await billing.DbAsync(db => db.Creators.Where(c => c.Handle == creator.Handle).Select(c => c.StripeAccountId).SingleAsync());
        billing.Emulator.CompleteOnboarding(accountId!);
        await billing.SettleAsync();

        Assert.Equal(HttpStatusCode.Redirect, (await fan.StartJoinAsync(creator, "Bronze")).Status);
        Assert.Contains("Connected", (await creator.Browser.GetAsync("/creator/payouts")).Html);
    }

    [Fact]
    public async Task MemberCap_OpenCheckoutHoldsThePlace_OthersSeeFull()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(true, ("Solo", "9.00", "", "1"));
        var first = await billing.FanAsync("first");
        var second = await billing.FanAsync("second");

        Assert.Equal(HttpStatusCode.Redirect, (await first.StartJoinAsync(creator, "Solo")).Status);
        var refused = await second.StartJoinAsync(creator, "Solo");

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("is full", refused.Html);

        // The hold and the Checkout session end together.
        var attempt = await billing.DbAsync(db => db.CheckoutAttempts.SingleAsync(a => a.StripeSessionId != null));
        var session = await new Stripe.Checkout.SessionService(billing.Stripe).GetAsync(attempt.StripeSessionId);
        // The session lasts as long on Stripe's clock (here the emulator's, which stands at another date) as the hold on ours.
        Assert.InRange((attempt.ExpiresAt - attempt.CreatedAt).TotalMinutes, 30.98, 31.0);
        Assert.InRange((session.ExpiresAt - billing.Emulator.Clock.UtcNow.UtcDateTime).TotalMinutes, 30.9, 31.0);
    }

    [Fact]
    public async Task MemberCap_TenSimultaneousJoinsOfTheLastPlace_ExactlyOneCheckout()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(true, ("Duo", "9.00", "", "2"));
        await (await billing.FanAsync("member")).JoinAsync(creator, "Duo");
        var fans = new List<Fan>();
        for (var i = 0; i < 10; i++)
        {
            fans.Add(await billing.FanAsync($"racer{i}"));
        }

        var sessionsBefore = billing.Emulator.ObjectIds("checkout.session").Count;
        var answers = await Task.WhenAll(fans.Select(f => f.StartJoinAsync(creator, "Duo")));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Redirect));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Redirect), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.Status);
            Assert.Contains("Duo is full: all 2 places are taken.", a.Html);
        });
        Assert.Equal(sessionsBefore + 1, billing.Emulator.ObjectIds("checkout.session").Count);
        Assert.Equal(2, await billing.DbAsync(db => db.CheckoutAttempts.CountAsync(a => a.TierId == creator.Tiers["Duo"])));
    }

    [Fact]
    public async Task CheckoutCreateFails_NoAttemptLeftHoldingAPlace_RetryWorks()
    {
        await using var billing = await BillingSite.StartAsync(settings: new Dictionary<string, string?> { ["Stripe:MaxNetworkRetries"] = "0" });
        var creator = await billing.CreatorAsync(true, ("Solo", "9.00", "", "1"));
        var fan = await billing.FanAsync();
        // Product, price and customer first, so that the failure falls on the Checkout session itself.
        await fan.StartJoinAsync(creator, "Solo");
        await billing.DbAsync(db => db.CheckoutAttempts.ExecuteDeleteAsync());

        billing.Emulator.Faults.FailNext(1, "/v1/checkout/sessions", 500);
        var failed = await fan.StartJoinAsync(creator, "Solo");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal(0, await billing.DbAsync(db => db.CheckoutAttempts.CountAsync()));
        var other = await billing.FanAsync("other");
        Assert.Equal(HttpStatusCode.Redirect, (await other.StartJoinAsync(creator, "Solo")).Status);
    }

    [Fact]
    public async Task OpenCheckoutExpiredInStripe_JoinAgain_NewSession()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var first = await fan.StartJoinAsync(creator, "Bronze");
        await new Stripe.Checkout.SessionService(billing.Stripe).ExpireAsync(Fan.SessionIdIn(first.Location!));

        var second = await fan.StartJoinAsync(creator, "Bronze");

        Assert.Equal(HttpStatusCode.Redirect, second.Status);
        Assert.NotEqual(Fan.SessionIdIn(first.Location!), Fan.SessionIdIn(second.Location!));
        var session = await new Stripe.Checkout.SessionService(billing.Stripe).GetAsync(Fan.SessionIdIn(second.Location!));
        Assert.Equal("open", session.Status);
    }

    [Fact]
    public async Task AlreadyPaying_SecondJoinRefused_ManageOpensPortal_NonMemberGets404()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Bronze");

        var again = await fan.StartJoinAsync(creator, "Gold");
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Contains("already a paying member", again.Text);

        var page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.True(page.Html.Contains("Manage membership"), $"{(int)page.Status} {page.Location} {page.Html}");
        var manage = await fan.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/membership/manage", []);
        Assert.Equal(HttpStatusCode.Redirect, manage.Status);
        Assert.Contains("/p/session/bps_", manage.Location);

        var stranger = await billing.FanAsync("stranger");
        var refused = await stranger.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/membership/manage", []);
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
    }

    [Fact]
    public async Task PriceChanged_ExistingMemberKeepsOldPrice_NewMemberPaysNewOne()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var early = await billing.FanAsync("early");
        await early.JoinAsync(creator, "Bronze");
        var oldPrice = await billing.DbAsync(db => db.TierPrices.Where(p => p.TierId == creator.Tiers["Bronze"]).Select(p => p.StripePriceId).SingleAsync());

        var edit = TestBrowser.TierFields("Bronze", "7.00");
        var saved = await creator.Browser.SubmitAsync($"/creator/tiers/{creator.Tiers["Bronze"]}/edit", $"/creator/tiers/{creator.Tiers["Bronze"]}/edit", edit);
        Assert.Equal(HttpStatusCode.Redirect, saved.Status);
        var late = await billing.FanAsync("late");
        await late.JoinAsync(creator, "Bronze");
        await billing.AdvanceAsync(TimeSpan.FromDays(32));

        Assert.Equal([500, 500], (await early.PaymentsAsync(creator)).Select(p => p.AmountMinor));
        Assert.Equal([700, 700], (await late.PaymentsAsync(creator)).Select(p => p.AmountMinor));
        Assert.False((await new PriceService(billing.Stripe).GetAsync(oldPrice)).Active);
        Assert.Equal(2, await billing.DbAsync(db => db.TierPrices.CountAsync(p => p.TierId == creator.Tiers["Bronze"])));
    }

    [Fact]
    public async Task YearlyJoin_MrrIsTwelfthRoundedHalfAwayFromZero()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(true, ("Annual", "10.00", "100.06", ""));
        var fan = await billing.FanAsync();

        await fan.JoinAsync(creator, "Annual", "year");

        var subscription = await fan.SubscriptionAsync(creator);
        Assert.Equal(BillingInterval.Year, subscription.Interval);
        Assert.Equal(10006, subscription.UnitAmountMinor);
        var started = await billing.DbAsync(db => db.MembershipChanges.SingleAsync(c => c.Member!.User!.Email == fan.Email));
        Assert.Equal(834, started.MrrAfterMinor); // 10006 / 12 = 833.83
    }
}
