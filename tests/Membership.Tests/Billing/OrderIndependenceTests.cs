using Membership.Data.Entities;
using Membership.StripeEmulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Membership.Web.Features.Billing;
using PortalSessionService = Stripe.BillingPortal.SessionService;
using PortalSessionCreateOptions = Stripe.BillingPortal.SessionCreateOptions;

namespace Membership.Tests.Billing;

/// <summary>
/// The membership a subscription gives is a function of Stripe's current state only: a whole
/// story's events (join, upgrade, failed renewal, recovery or cancellation, refund), held back and
/// then delivered in order, reversed, shuffled with fixed seeds, or each twice at once, end in the
/// same member, tier, history end state, payments, refunds and emails. Delivered live (each event
/// as it happens) the site also sees the states in between, so it writes more history lines and
/// emails, but ends in the same member, tier, money and MRR.
/// </summary>
public sealed class OrderIndependenceTests
{
    public enum Ending { Recovered, Canceled }

    private enum Delivery { Live, AsHappened, Reversed, ShuffledSeed1, ShuffledSeed2, EachTwiceConcurrently }

    [Theory]
    [InlineData(Ending.Recovered)]
    [InlineData(Ending.Canceled)]
    public async Task Story_EveryDeliveryOrder_SameFinalState(Ending ending)
    {
        var outcomes = new Dictionary<Delivery, Outcome>();
        foreach (var delivery in Enum.GetValues<Delivery>())
        {
            outcomes[delivery] = await RunStoryAsync(ending, delivery);
        }

        var reference = outcomes[Delivery.AsHappened];
        Assert.Equal(ending == Ending.Recovered ? MemberStatus.Active : MemberStatus.Ended, reference.Status);
        Assert.Equal("Gold", reference.Tier);
        Assert.Equal(ending == Ending.Recovered ? 1500 : 0, reference.MrrAfter);
        Assert.NotEmpty(reference.Refunds);
        foreach (var (delivery, outcome) in outcomes.Where(o => o.Key != Delivery.Live))
        {
            Assert.True(reference == outcome, $"{delivery} ended as {outcome}, in order as {reference}");
        }

        var live = outcomes[Delivery.Live];
        Assert.True(reference with { Emails = live.Emails } == live, $"live ended as {live}, held in order as {reference}");
    }

    private static async Task<Outcome> RunStoryAsync(Ending ending, Delivery delivery)
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        // Gold's Stripe price exists once somebody could join it.
        await (await billing.FanAsync("other")).StartJoinAsync(creator, "Gold");
        var goldPrice = await billing.DbAsync(db => db.TierPrices
            .Where(p => p.TierId == creator.Tiers["Gold"] && p.Interval == BillingInterval.Month).Select(p => p.StripePriceId).SingleAsync());
        var fan = await billing.FanAsync();
        var live = delivery == Delivery.Live;
        if (!live)
        {
            billing.Emulator.Webhooks.Hold();
        }

        async Task StepAsync()
        {
            if (live)
            {
                await billing.SettleAsync();
            }
        }

        var checkout = await fan.JoinAsync(creator, "Bronze", card: TestCards.FailsOnRenewal, settle: live);
        var subscriptions = new SubscriptionService(billing.Stripe);

        billing.Emulator.Clock.Advance(TimeSpan.FromDays(10));
        var subscription = await subscriptions.GetAsync(checkout.SubscriptionId);
        await subscriptions.UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = goldPrice }],
            ProrationBehavior = "create_prorations",
        });
        await StepAsync();

        billing.Emulator.Clock.Advance(TimeSpan.FromDays(21) + TimeSpan.FromHours(1)); // the renewal fails: past due
        await StepAsync();

        if (ending == Ending.Recovered)
        {
            var portal = await new PortalSessionService(billing.Stripe).CreateAsync(new PortalSessionCreateOptions { Customer = subscription.CustomerId });
            using var stripePages = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            var url = new Uri(portal.Url);
            var updated = await stripePages.PostAsync(new Uri(url, url.AbsolutePath + "/payment-method"),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["card_number"] = TestCards.Success }));
            Assert.Equal(System.Net.HttpStatusCode.SeeOther, updated.StatusCode);
        }
        else
        {
            billing.Emulator.Clock.Advance(TimeSpan.FromDays(8)); // every retry fails: canceled
        }

        await StepAsync();
        var firstCharge = billing.Emulator.ObjectIds("charge").First();
        await new RefundService(billing.Stripe).CreateAsync(new RefundCreateOptions { Charge = firstCharge, Amount = 200 });
        await StepAsync();

        if (!live)
        {
            var held = billing.Emulator.Webhooks.Held;
            Assert.Contains(held, e => e.Type == "charge.refunded");
            var order = delivery switch
            {
                Delivery.Reversed => held.Reverse().ToList(),
                Delivery.ShuffledSeed1 => Shuffle(held, 1),
                Delivery.ShuffledSeed2 => Shuffle(held, 2),
                _ => held.ToList(),
            };
            billing.Emulator.Webhooks.DeliverTwice = delivery == Delivery.EachTwiceConcurrently;
            var released = billing.Emulator.Webhooks.Release(_ => order);
            await billing.Emulator.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(30));
            await HandleInOrderAsync(billing, released, twice: delivery == Delivery.EachTwiceConcurrently);
        }

        return await OutcomeAsync(billing, creator, fan);
    }

    private static List<EmulatedEvent> Shuffle(IReadOnlyList<EmulatedEvent> events, int seed)
    {
        var random = new Random(seed);
        return events.OrderBy(_ => random.Next()).ToList();
    }

    /// <summary>Handles each stored event in the order it was delivered (as the site's job queue would), then sweeps what failed (a refund before its payment).</summary>
    private static async Task HandleInOrderAsync(BillingSite billing, IReadOnlyList<string> eventIds, bool twice)
    {
        var processor = billing.Site.Services.GetRequiredService<StripeEventProcessor>();
        foreach (var id in eventIds)
        {
            var runs = Enumerable.Range(0, twice ? 2 : 1).Select(async _ =>
            {
                try
                {
                    await processor.ProcessAsync(id, CancellationToken.None);
                }
                catch (InvalidOperationException)
                {
                    // Waiting for an event not handled yet (the sweep below tries again).
                }
            });
            await Task.WhenAll(runs);
        }

        for (var sweep = 0; sweep < 5 && await billing.DbAsync(db => db.StripeEvents.AnyAsync(e => e.ProcessedAt == null)); sweep++)
        {
            await processor.ProcessPendingAsync(CancellationToken.None);
        }

        Assert.False(await billing.DbAsync(db => db.StripeEvents.AnyAsync(e => e.ProcessedAt == null)), "some events were never handled");
    }

    private static async Task<Outcome> OutcomeAsync(BillingSite billing, CreatorSetup creator, Fan fan)
    {
        var member = (await fan.MemberAsync(creator))!;
        var tiers = creator.Tiers.ToDictionary(t => t.Value, t => t.Key);
        var last = await billing.DbAsync(db => db.MembershipChanges.Where(c => c.MemberId == member.Id)
            .OrderByDescending(c => c.OccurredAt).ThenByDescending(c => c.Id).FirstAsync());
        var payments = (await fan.PaymentsAsync(creator)).Select(p => $"{p.AmountMinor}/{p.PlatformFeeMinor}/{p.BillingReason}").Order();
        var refunds = await billing.DbAsync(db => db.Refunds.Where(r => r.Payment!.MemberId == member.Id).Select(r => r.AmountMinor).ToListAsync());
        var emails = await billing.DbAsync(db => db.OutboxEmails.Where(e => e.To == fan.Email).Select(e => e.Subject).ToListAsync());
        var subscription = await fan.SubscriptionAsync(creator);
        return new Outcome(
            member.Status, member.TierId is { } tierId ? tiers[tierId] : null, subscription.Status, last.MrrAfterMinor, last.CommitmentAfterMinor,
            member.LifetimePaidMinor, string.Join(", ", payments), string.Join(", ", refunds.Order()), string.Join(" | ", emails.Select(e => e.Replace(creator.Handle, "{handle}")).Order()));
    }

    private sealed record Outcome(
        MemberStatus Status, string? Tier, string SubscriptionStatus, long MrrAfter, long CommitmentAfter, long LifetimePaid,
        string Payments, string Refunds, string Emails);
}
