using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Commands;

/// <summary>
/// <c>seed-demo --members N --months M</c>: a realistic, repeatable history for the demo creator —
/// joins (monthly and yearly, two tiers), renewals, upgrades, failed payments that recover or
/// lapse, cancellations, reactivations, refunds, free followers — written as the billing code
/// writes it: the same entities, the MRR and commitment rules of <see cref="Mrr"/>, history lines
/// that chain, one payment per paid period with the platform fee, subscriptions in their final
/// Stripe state. Deterministic (a fixed seed); fans are added once (run it again and it reports
/// the existing history).
/// </summary>
public sealed class DemoHistory(MembershipDbContext db, TimeProvider clock, ILogger<DemoHistory> logger)
{
    private const string EmailDomain = "fans.demo.membership.local";
    private const int Batch = 2000;

    /// <summary>The latest line written for the fan being simulated: lines chain in time order.</summary>
    private DateTime _lastLineAt;

    public async Task<int> GenerateAsync(Creator creator, int members, int months, decimal feePercent, CancellationToken cancellationToken)
    {
        if (await db.Members.AnyAsync(m => m.CreatorId == creator.Id && m.User!.Email!.EndsWith("@" + EmailDomain), cancellationToken))
        {
            logger.LogInformation("The demo history is already there; nothing added");
            return 0;
        }

        // Tiers made before prices were kept (older demo databases) get their price rows now;
        // a generated audience this large does not fit Insider's 50 places, so its cap is lifted.
        foreach (var tier in await db.Tiers.Where(t => t.CreatorId == creator.Id).ToListAsync(cancellationToken))
        {
            await TierPrices.ReconcileAsync(db, tier, creator.Currency, clock.GetUtcNow().UtcDateTime);
            tier.MemberCap = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        var prices = await db.TierPrices.Include(p => p.Tier).Where(p => p.Tier!.CreatorId == creator.Id && p.RetiredAt == null).ToListAsync(cancellationToken);
        var supporter = prices.Where(p => p.Tier!.Name == "Supporter").ToDictionary(p => p.Interval);
        var insider = prices.Where(p => p.Tier!.Name == "Insider").ToDictionary(p => p.Interval);
        var now = clock.GetUtcNow().UtcDateTime;
        var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-months + 1);
        var random = new Random(42);
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        for (var first = 0; first < members; first += Batch)
        {
            for (var i = first; i < Math.Min(members, first + Batch); i++)
            {
                var joined = start.AddMonths(random.Next(months)).AddDays(random.Next(28)).AddHours(random.Next(24));
                if (joined >= now)
                {
                    joined = now.AddHours(-1 - random.Next(48));
                }

                var email = $"fan{i:000000}@{EmailDomain}";
                var user = new AppUser
                {
                    UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(),
                    EmailConfirmed = true, DisplayName = $"Demo Fan {i:000000}", CreatedAt = joined,
                    SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString("N"), LockoutEnabled = true,
                };
                var member = new Member { Creator = null, CreatorId = creator.Id, User = user, Status = MemberStatus.Following, JoinedAt = joined, UpdatedAt = joined, PostEmails = random.NextDouble() < 0.8 };
                db.Users.Add(user);
                db.Members.Add(member);
                if (random.NextDouble() < 0.3)
                {
                    continue; // a free follower
                }

                var tiers = random.NextDouble() < 0.65 ? supporter : insider;
                var interval = random.NextDouble() < 0.2 && tiers.ContainsKey(BillingInterval.Year) ? BillingInterval.Year : BillingInterval.Month;
                Simulate(member, creator, tiers, insider, interval, joined, now, feePercent, random);
            }

            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            logger.LogInformation("Demo history: {Done} of {Members} members", Math.Min(members, first + Batch), members);
        }

        db.ChangeTracker.AutoDetectChangesEnabled = true;
        return members;
    }

    /// <summary>One fan's paid life from <paramref name="at"/> to <paramref name="now"/>, month by month.</summary>
    private void Simulate(Member member, Creator creator, Dictionary<BillingInterval, TierPrice> tiers, Dictionary<BillingInterval, TierPrice> upgradeTo,
        BillingInterval interval, DateTime at, DateTime now, decimal feePercent, Random random)
    {
        var value = (Mrr: 0L, Commitment: 0L);
        var paidBefore = false;
        _lastLineAt = DateTime.MinValue;
        var price = tiers[interval];
        while (at < now)
        {
            // A subscription starts.
            var subscription = new Subscription
            {
                StripeSubscriptionId = $"sub_demo_{Guid.NewGuid():N}", StripeCustomerId = $"cus_demo_{member.User!.Email}", CreatorId = creator.Id,
                Member = member, TierId = price.TierId, TierPriceId = price.Id, Interval = price.Interval, UnitAmountMinor = price.AmountMinor,
                Currency = price.Currency, Status = StripeStatuses.Active, StartedAt = at, CurrentPeriodStart = at, CurrentPeriodEnd = Next(at, price.Interval),
                CreatedAt = at, UpdatedAt = at, CheckedAt = at, Version = Guid.NewGuid(),
            };
            db.Subscriptions.Add(subscription);
            value = Line(member, creator, paidBefore ? MembershipChangeKind.Reactivated : MembershipChangeKind.Started, at, value, Counting(price), subscription);
            paidBefore = true;
            member.Status = MemberStatus.Active;
            member.TierId = price.TierId;

            var periodStart = at;
            var ended = false;
            while (periodStart < now && !ended)
            {
                var periodEnd = Next(periodStart, price.Interval);
                var paidAt = periodStart;
                if (random.NextDouble() < 0.012 && periodStart > subscription.StartedAt)
                {
                    // The renewal fails: past due, then paid within a week or lapsed after the retries.
                    Line(member, creator, MembershipChangeKind.PastDue, periodStart, value, value, subscription);
                    var recovers = random.NextDouble() < 0.7;
                    var decided = recovers ? periodStart.AddDays(1 + random.Next(6)) : periodStart.AddDays(7);
                    if (decided >= now)
                    {
                        // Still in the grace period today.
                        subscription.Status = StripeStatuses.PastDue;
                        subscription.CurrentPeriodStart = periodStart;
                        subscription.CurrentPeriodEnd = periodEnd;
                        member.Status = MemberStatus.PastDue;
                        return;
                    }

                    if (recovers)
                    {
                        paidAt = decided;
                        Line(member, creator, MembershipChangeKind.Restored, paidAt, value, value, subscription);
                    }
                    else
                    {
                        var lapse = decided;
                        value = Line(member, creator, MembershipChangeKind.Ended, lapse, value, (0, 0), subscription);
                        subscription.Status = StripeStatuses.Canceled;
                        subscription.EndedAt = lapse;
                        ended = true;
                        at = lapse;
                        break;
                    }
                }

                if (paidAt < now)
                {
                    Pay(member, creator, subscription, price, paidAt, feePercent, random, periodStart == subscription.StartedAt ? "subscription_create" : "subscription_cycle");
                }

                subscription.CurrentPeriodStart = periodStart;
                subscription.CurrentPeriodEnd = periodEnd;
                var months = price.Interval == BillingInterval.Month ? 1 : 12;
                if (price.Interval == BillingInterval.Month && price.TierId != upgradeTo[BillingInterval.Month].TierId && random.NextDouble() < 0.015)
                {
                    // Upgrade mid-period (the proration is billed with the next renewal).
                    var when = periodStart.AddDays(random.Next(1, 27));
                    if (when < now)
                    {
                        price = upgradeTo[BillingInterval.Month];
                        subscription.TierId = price.TierId;
                        subscription.TierPriceId = price.Id;
                        subscription.UnitAmountMinor = price.AmountMinor;
                        value = Line(member, creator, MembershipChangeKind.Upgraded, when, value, Counting(price), subscription);
                        member.TierId = price.TierId;
                    }
                }

                if (random.NextDouble() < 0.03 * months && periodEnd < now)
                {
                    // Cancelled during this period: scheduled, then ended at the period end.
                    var scheduled = periodStart.AddDays(random.Next(1, 25));
                    Line(member, creator, MembershipChangeKind.CancelScheduled, scheduled, value, value, subscription);
                    value = Line(member, creator, MembershipChangeKind.Ended, periodEnd, value, (0, 0), subscription);
                    subscription.Status = StripeStatuses.Canceled;
                    subscription.CancelAtPeriodEnd = true;
                    subscription.CanceledAt = scheduled;
                    subscription.EndedAt = periodEnd;
                    ended = true;
                    at = periodEnd;
                    break;
                }

                periodStart = periodEnd;
            }

            if (!ended)
            {
                return;
            }

            member.Status = MemberStatus.Ended;
            if (random.NextDouble() >= 0.25)
            {
                return;
            }

            // Back some months later.
            at = at.AddMonths(1 + random.Next(6)).AddDays(random.Next(20));
        }
    }

    private (long Mrr, long Commitment) Line(Member member, Creator creator, MembershipChangeKind kind, DateTime at, (long Mrr, long Commitment) before, (long Mrr, long Commitment) after, Subscription subscription)
    {
        // As billing does: no line before the member's latest (a cancellation scheduled "before" an upgrade comes after it).
        at = at < _lastLineAt ? _lastLineAt.AddMinutes(1) : at;
        _lastLineAt = at;
        db.MembershipChanges.Add(new MembershipChange
        {
            CreatorId = creator.Id, Member = member, StripeSubscriptionId = subscription.StripeSubscriptionId, Kind = kind,
            FromTierId = subscription.TierId, ToTierId = subscription.TierId, MrrBeforeMinor = before.Mrr, MrrAfterMinor = after.Mrr,
            CommitmentBeforeMinor = before.Commitment, CommitmentAfterMinor = after.Commitment, Currency = subscription.Currency, OccurredAt = at,
        });
        return after;
    }

    private void Pay(Member member, Creator creator, Subscription subscription, TierPrice price, DateTime at, decimal feePercent, Random random, string reason)
    {
        var payment = new Payment
        {
            StripeInvoiceId = $"in_demo_{Guid.NewGuid():N}", StripeChargeId = $"ch_demo_{Guid.NewGuid():N}", StripeSubscriptionId = subscription.StripeSubscriptionId,
            CreatorId = creator.Id, Member = member, AmountMinor = price.AmountMinor,
            PlatformFeeMinor = (long)Math.Round(price.AmountMinor * feePercent / 100m, MidpointRounding.AwayFromZero),
            Currency = price.Currency, BillingReason = reason, PaidAt = at,
        };
        db.Payments.Add(payment);
        member.LifetimePaidMinor += price.AmountMinor;
        if (random.NextDouble() < 0.005)
        {
            db.Refunds.Add(new Refund
            {
                StripeRefundId = $"re_demo_{Guid.NewGuid():N}", Payment = payment, CreatorId = creator.Id, AmountMinor = price.AmountMinor,
                Currency = price.Currency, RefundedAt = at.AddDays(2),
            });
            member.LifetimePaidMinor -= price.AmountMinor;
        }
    }

    private static (long Mrr, long Commitment) Counting(TierPrice price) =>
        (Mrr.Monthly(price.Interval, price.AmountMinor), price.Interval == BillingInterval.Month ? price.AmountMinor * 12 : price.AmountMinor);

    private static DateTime Next(DateTime at, BillingInterval interval) => interval == BillingInterval.Month ? at.AddMonths(1) : at.AddYears(1);
}
