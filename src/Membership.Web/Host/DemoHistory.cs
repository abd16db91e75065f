using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Host;

/// <summary>
/// <c>seed-demo --members N --months M [--seed S]</c>: a realistic, repeatable history for the demo
/// creator — joins (monthly and yearly, two tiers), free trials that convert, lapse or are still
/// running, renewals, upgrades and downgrades, switches between monthly and yearly, a price change
/// (the old price kept by those who joined on it), failed payments that recover or lapse,
/// cancellations (some taken back, some scheduled for the current period's end), reactivations,
/// refunds, complimentary members, free followers and fans who left — written as the billing code
/// writes it: the same entities and history kinds (<see cref="SubscriptionSync"/>), lines whose
/// from-tier is the subscription's tier before the change and to-tier the one after, the MRR and
/// commitment rules of <see cref="Mrr"/>, lines that chain, one payment per paid period with the
/// platform fee, subscriptions in their final Stripe state, complimentary access as
/// <see cref="Features.Members.ComplimentaryHandler"/> grants and expires it. Nothing is dated after
/// the clock's now. Deterministic: every choice and every id comes from one generator seeded with
/// <c>S</c> (default <see cref="DefaultSeed"/>), so the same seed at the same now writes the same rows.
/// Fans are added once (run it again and it reports the existing history).
/// </summary>
public sealed class DemoHistory(MembershipDbContext db, TimeProvider clock, ILogger<DemoHistory> logger)
{
    public const int DefaultSeed = 42;
    private const string EmailDomain = "fans.demo.membership.local";
    private const int Batch = 2000;

    /// <summary>The latest line written for the fan being simulated: lines chain in time order.</summary>
    private DateTime _lastLineAt;

    private DateTime _now;
    private Random _random = new(DefaultSeed);
    private List<TierPrice> _prices = [];
    private int _supporterId;
    private int _insiderId;
    private int _trialDays;

    public Task<int> GenerateAsync(Creator creator, int members, int months, decimal feePercent, CancellationToken cancellationToken) =>
        GenerateAsync(creator, members, months, feePercent, DefaultSeed, cancellationToken);

    public async Task<int> GenerateAsync(Creator creator, int members, int months, decimal feePercent, int seed, CancellationToken cancellationToken)
    {
        if (await db.Members.AnyAsync(m => m.CreatorId == creator.Id && m.User!.Email!.EndsWith("@" + EmailDomain), cancellationToken))
        {
            logger.LogInformation("The demo history is already there; nothing added");
            return 0;
        }

        _now = clock.GetUtcNow().UtcDateTime;
        var start = new DateTime(_now.Year, _now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-months + 1);
        // Tiers made before prices were kept (older demo databases) get their price rows now;
        // a generated audience this large does not fit Insider's 50 places, so its cap is lifted.
        foreach (var tier in await db.Tiers.Where(t => t.CreatorId == creator.Id).ToListAsync(cancellationToken))
        {
            await TierPrices.ReconcileAsync(db, tier, creator.Currency, _now);
            tier.MemberCap = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        var tiers = await db.Tiers.Where(t => t.CreatorId == creator.Id).ToListAsync(cancellationToken);
        var supporter = tiers.Single(t => t.Name == "Supporter");
        var insider = tiers.Single(t => t.Name == "Insider");
        (_supporterId, _insiderId, _trialDays) = (supporter.Id, insider.Id, insider.TrialDays is > 0 ? insider.TrialDays.Value : 7);

        // The price change: Supporter's monthly price was lower until half-way through the history
        // (as TierPrices does when a creator edits it: the old row retired, its subscribers keep it).
        var supporterMonthly = await db.TierPrices.SingleAsync(p => p.TierId == supporter.Id && p.Interval == BillingInterval.Month && p.RetiredAt == null, cancellationToken);
        if (months >= 2)
        {
            var changed = start.AddMonths(months / 2).AddDays(9);
            db.TierPrices.Add(new TierPrice
            {
                TierId = supporter.Id, Interval = BillingInterval.Month, AmountMinor = Math.Max(100, supporterMonthly.AmountMinor * 4 / 5 / 50 * 50),
                Currency = supporterMonthly.Currency, CreatedAt = start.AddDays(-1), RetiredAt = changed,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        _prices = await db.TierPrices.AsNoTracking().Where(p => p.TierId == supporter.Id || p.TierId == insider.Id).ToListAsync(cancellationToken);
        _random = new Random(seed);
        var random = _random;
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        for (var first = 0; first < members; first += Batch)
        {
            for (var i = first; i < Math.Min(members, first + Batch); i++)
            {
                var joined = start.AddMonths(random.Next(months)).AddDays(random.Next(28)).AddHours(random.Next(24));
                if (joined >= _now)
                {
                    // This month's joins fall in its days so far.
                    var monthStart = new DateTime(_now.Year, _now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
                    joined = monthStart.AddTicks((long)((_now - monthStart).Ticks * random.NextDouble()));
                }

                var email = $"fan{i:000000}@{EmailDomain}";
                var user = new AppUser
                {
                    Id = NewGuid().ToString(), UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(),
                    EmailConfirmed = true, DisplayName = $"Demo Fan {i:000000}", CreatedAt = joined,
                    SecurityStamp = Hex(), ConcurrencyStamp = NewGuid().ToString(), LockoutEnabled = true,
                };
                var member = new Member { Creator = null, CreatorId = creator.Id, User = user, Status = MemberStatus.Following, JoinedAt = joined, UpdatedAt = joined, PostEmails = random.NextDouble() < 0.8 };
                db.Users.Add(user);
                db.Members.Add(member);
                var kind = random.NextDouble();
                if (kind < 0.04)
                {
                    Complimentary(member, joined);
                    continue;
                }

                if (kind < 0.3)
                {
                    // A free follower; a few stop following.
                    Leave(member, joined, 0.06);
                    continue;
                }

                var tierId = random.NextDouble() < 0.65 ? supporter.Id : insider.Id;
                var interval = random.NextDouble() < 0.2 ? BillingInterval.Year : BillingInterval.Month;
                Simulate(member, creator, tierId, interval, joined, feePercent);
            }

            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            logger.LogInformation("Demo history: {Done} of {Members} members", Math.Min(members, first + Batch), members);
        }

        db.ChangeTracker.AutoDetectChangesEnabled = true;
        return members;
    }

    /// <summary>The creator gave this follower a tier (as <see cref="Features.Members.ComplimentaryHandler"/> does): no history line, no MRR; some grants have ended.</summary>
    private void Complimentary(Member member, DateTime joined)
    {
        var random = _random;
        var granted = joined.AddTicks((long)((_now - joined).Ticks * random.NextDouble() * 0.5));
        member.Status = MemberStatus.Active;
        member.TierId = random.NextDouble() < 0.5 ? _insiderId : _supporterId;
        member.IsComplimentary = true;
        member.UpdatedAt = granted;
        var end = random.NextDouble();
        if (end < 0.3)
        {
            // Given until a day that has passed: the daily reconciliation ended it then.
            var until = granted.Date.AddDays(1 + random.Next(Math.Max(1, (int)(_now - granted).TotalDays)));
            if (until < _now)
            {
                member.ComplimentaryUntil = until;
                member.Status = MemberStatus.Ended;
                member.UpdatedAt = until;
            }
        }
        else if (end < 0.6)
        {
            member.ComplimentaryUntil = _now.Date.AddDays(1 + random.Next(90));
        }
    }

    /// <summary>With probability <paramref name="chance"/>, the fan stops following some days after <paramref name="after"/> (the rule of Domain/Leaving, as "Stop following" applies it: the row stays, marked left).</summary>
    private void Leave(Member member, DateTime after, double chance)
    {
        if (_random.NextDouble() >= chance)
        {
            return;
        }

        var left = after.AddDays(1 + _random.Next(60)).AddHours(_random.Next(24));
        if (left < _now)
        {
            member.Status = MemberStatus.Left;
            member.UpdatedAt = left;
        }
    }

    /// <summary>The price a fan joining <paramref name="tierId"/> at <paramref name="at"/> got: the one live then.</summary>
    private TierPrice PriceAt(int tierId, BillingInterval interval, DateTime at) =>
        _prices.Where(p => p.TierId == tierId && p.Interval == interval && (p.RetiredAt == null || p.RetiredAt > at))
            .OrderBy(p => p.RetiredAt ?? DateTime.MaxValue).ThenBy(p => p.Id).First();

    private bool HasPrice(int tierId, BillingInterval interval) => _prices.Any(p => p.TierId == tierId && p.Interval == interval && p.RetiredAt == null);

    /// <summary>One fan's paid life from <paramref name="at"/> to now, period by period.</summary>
    private void Simulate(Member member, Creator creator, int tierId, BillingInterval interval, DateTime at, decimal feePercent)
    {
        var random = _random;
        var value = (Mrr: 0L, Commitment: 0L);
        var paidBefore = false;
        var subscribedBefore = false;
        _lastLineAt = DateTime.MinValue;
        if (!HasPrice(tierId, interval))
        {
            interval = BillingInterval.Month;
        }

        while (at < _now)
        {
            // A subscription starts, on the price live at the time; a first subscription to a tier with a trial may start with it (as JoinTier offers it).
            var price = PriceAt(tierId, interval, at);
            var trial = !subscribedBefore && tierId == _insiderId && random.NextDouble() < 0.4;
            subscribedBefore = true;
            var subscriptionId = $"sub_demo_{Hex()}";
            var subscription = new Subscription
            {
                StripeSubscriptionId = subscriptionId, StripeCustomerId = $"cus_demo_{member.User!.Email}", CreatorId = creator.Id,
                Member = member, TierId = price.TierId, TierPriceId = price.Id, Interval = price.Interval, UnitAmountMinor = price.AmountMinor,
                Currency = price.Currency, Status = trial ? StripeStatuses.Trialing : StripeStatuses.Active, StartedAt = at, CurrentPeriodStart = at,
                CurrentPeriodEnd = trial ? at.AddDays(_trialDays) : Next(at, price.Interval), TrialEnd = trial ? at.AddDays(_trialDays) : null,
                CreatedAt = at, UpdatedAt = at, CheckedAt = at, Version = NewGuid(),
            };
            db.Subscriptions.Add(subscription);
            member.Status = MemberStatus.Active;
            member.TierId = price.TierId;
            int? fromTierId = null;
            var ended = false;
            if (trial)
            {
                Line(member, creator, MembershipChangeKind.TrialStarted, at, value, value, subscription, null);
                fromTierId = subscription.TierId;
                var trialEnd = at.AddDays(_trialDays);
                if (trialEnd >= _now)
                {
                    return; // Still on the trial today.
                }

                if (random.NextDouble() < 0.35)
                {
                    // Cancelled during the trial: over at its end, never paid.
                    var scheduled = at.AddHours(1 + random.Next(24 * (_trialDays - 1)));
                    Line(member, creator, MembershipChangeKind.CancelScheduled, scheduled, value, value, subscription, fromTierId);
                    Line(member, creator, MembershipChangeKind.Ended, trialEnd, value, value, subscription, fromTierId);
                    subscription.Status = StripeStatuses.Canceled;
                    subscription.CancelAtPeriodEnd = true;
                    subscription.CanceledAt = scheduled;
                    subscription.EndedAt = trialEnd;
                    subscription.UpdatedAt = subscription.CheckedAt = trialEnd;
                    ended = true;
                    at = trialEnd;
                }
                else
                {
                    at = trialEnd; // Converts: the first paid period starts at the trial's end.
                }
            }

            if (!ended)
            {
                value = Line(member, creator, paidBefore ? MembershipChangeKind.Reactivated : MembershipChangeKind.Started, at, value, Counting(price), subscription, fromTierId);
                paidBefore = true;
                subscription.Status = StripeStatuses.Active;
                (ended, at, price, value) = Periods(member, creator, subscription, price, at, value, feePercent, firstReason: trial ? "subscription_cycle" : "subscription_create");
                if (!ended)
                {
                    return;
                }
            }

            member.Status = MemberStatus.Ended;
            tierId = price.TierId;
            interval = price.Interval;
            var back = random.NextDouble();
            if (back >= 0.35)
            {
                // Gone; some stop following too.
                Leave(member, at, 0.2);
                return;
            }

            // Back some months later.
            at = at.AddMonths(1 + random.Next(4)).AddDays(random.Next(20));
        }
    }

    /// <summary>
    /// The paid periods of one subscription from <paramref name="at"/>: renewals (some switching
    /// interval), failed payments, mid-period tier changes, cancellations. Returns whether it ended, and when.
    /// </summary>
    private (bool Ended, DateTime At, TierPrice Price, (long Mrr, long Commitment) Value) Periods(Member member, Creator creator, Subscription subscription,
        TierPrice price, DateTime at, (long Mrr, long Commitment) value, decimal feePercent, string firstReason)
    {
        var random = _random;
        var periodStart = at;
        var first = true;
        while (periodStart < _now)
        {
            var reason = first ? firstReason : "subscription_cycle";
            var other = price.Interval == BillingInterval.Month ? BillingInterval.Year : BillingInterval.Month;
            if (!first && HasPrice(price.TierId, other) && random.NextDouble() < (price.Interval == BillingInterval.Month ? 0.01 : 0.15))
            {
                // At the renewal the member switches between monthly and yearly, paying the new interval's price now.
                var switched = PriceAt(price.TierId, other, periodStart);
                value = Move(member, creator, subscription, switched, periodStart, value);
                price = switched;
                reason = "subscription_update";
            }

            var periodEnd = Next(periodStart, price.Interval);
            var paidAt = periodStart;
            if (!first && random.NextDouble() < 0.012)
            {
                // The renewal fails: past due, then paid within a week or lapsed after the retries.
                Line(member, creator, MembershipChangeKind.PastDue, periodStart, value, value, subscription, subscription.TierId);
                var recovers = random.NextDouble() < 0.7;
                var decided = recovers ? periodStart.AddDays(1 + random.Next(6)) : periodStart.AddDays(7);
                subscription.CurrentPeriodStart = periodStart;
                subscription.CurrentPeriodEnd = periodEnd;
                if (decided >= _now)
                {
                    // Still in the grace period today.
                    subscription.Status = StripeStatuses.PastDue;
                    subscription.UpdatedAt = subscription.CheckedAt = periodStart;
                    member.Status = MemberStatus.PastDue;
                    return (false, periodStart, price, value);
                }

                if (recovers)
                {
                    paidAt = decided;
                    Line(member, creator, MembershipChangeKind.Restored, paidAt, value, value, subscription, subscription.TierId);
                }
                else
                {
                    value = Line(member, creator, MembershipChangeKind.Ended, decided, value, (0, 0), subscription, subscription.TierId);
                    subscription.Status = StripeStatuses.Canceled;
                    subscription.CanceledAt = subscription.EndedAt = decided;
                    subscription.UpdatedAt = subscription.CheckedAt = decided;
                    return (true, decided, price, value);
                }
            }

            if (paidAt < _now)
            {
                Pay(member, creator, subscription, price, paidAt, feePercent, reason);
            }

            subscription.CurrentPeriodStart = periodStart;
            subscription.CurrentPeriodEnd = periodEnd;
            subscription.UpdatedAt = subscription.CheckedAt = paidAt < _now ? paidAt : periodStart;
            if (price.Interval == BillingInterval.Month)
            {
                // Mid-period tier change (the proration is billed with the next renewal).
                var change = random.NextDouble();
                var when = periodStart.AddDays(random.Next(1, 27)).AddHours(random.Next(24));
                var to = price.TierId == _supporterId && change < 0.015 ? _insiderId
                    : price.TierId == _insiderId && change < 0.015 ? _supporterId
                    : (int?)null;
                if (to is { } toTier && when < _now && when > _lastLineAt)
                {
                    var moved = PriceAt(toTier, BillingInterval.Month, when);
                    value = Move(member, creator, subscription, moved, when, value);
                    price = moved;
                }
            }

            var years = price.Interval == BillingInterval.Month ? 1 : 12;
            if (periodEnd < _now && random.NextDouble() < 0.03 * years)
            {
                // Cancelled during this period: scheduled, then ended at the period end — or taken back.
                var scheduled = Later(periodStart.AddDays(random.Next(1, 25)).AddHours(random.Next(24)));
                Line(member, creator, MembershipChangeKind.CancelScheduled, scheduled, value, value, subscription, subscription.TierId);
                if (random.NextDouble() < 0.2)
                {
                    var resumed = Later(scheduled.AddHours(1 + random.Next(72)));
                    if (resumed < periodEnd)
                    {
                        Line(member, creator, MembershipChangeKind.Resumed, resumed, value, value, subscription, subscription.TierId);
                        periodStart = periodEnd;
                        first = false;
                        continue;
                    }
                }

                value = Line(member, creator, MembershipChangeKind.Ended, periodEnd, value, (0, 0), subscription, subscription.TierId);
                subscription.Status = StripeStatuses.Canceled;
                subscription.CancelAtPeriodEnd = true;
                subscription.CanceledAt = scheduled;
                subscription.EndedAt = periodEnd;
                subscription.UpdatedAt = subscription.CheckedAt = periodEnd;
                return (true, periodEnd, price, value);
            }

            if (periodEnd >= _now)
            {
                // The current period: some have cancelled and keep access until it ends (MRR at risk).
                var from = _lastLineAt > periodStart ? _lastLineAt : periodStart;
                if (random.NextDouble() < 0.06 && _now - from > TimeSpan.FromHours(2))
                {
                    var scheduled = from.AddTicks((long)((_now - from - TimeSpan.FromHours(1)).Ticks * random.NextDouble())).AddMinutes(1);
                    Line(member, creator, MembershipChangeKind.CancelScheduled, scheduled, value, value, subscription, subscription.TierId);
                    subscription.CancelAtPeriodEnd = true;
                    subscription.CanceledAt = scheduled;
                    subscription.UpdatedAt = subscription.CheckedAt = scheduled;
                }

                return (false, periodStart, price, value);
            }

            periodStart = periodEnd;
            first = false;
        }

        return (false, periodStart, price, value);
    }

    /// <summary>A time no earlier than the fan's latest line (as billing dates lines).</summary>
    private DateTime Later(DateTime at) => at <= _lastLineAt ? _lastLineAt.AddMinutes(1) : at;

    /// <summary>
    /// The subscription moves to another price (tier or interval) while it counts, named as
    /// <see cref="SubscriptionSync"/> names it: by the monthly values, upgraded, downgraded or changed tier.
    /// </summary>
    private (long Mrr, long Commitment) Move(Member member, Creator creator, Subscription subscription, TierPrice to, DateTime at, (long Mrr, long Commitment) value)
    {
        var was = Mrr.Monthly(subscription.Interval, subscription.UnitAmountMinor);
        var now = Mrr.Monthly(to.Interval, to.AmountMinor);
        var kind = now > was ? MembershipChangeKind.Upgraded : now < was ? MembershipChangeKind.Downgraded : MembershipChangeKind.ChangedTier;
        var fromTierId = subscription.TierId;
        subscription.TierId = to.TierId;
        subscription.TierPriceId = to.Id;
        subscription.Interval = to.Interval;
        subscription.UnitAmountMinor = to.AmountMinor;
        member.TierId = to.TierId;
        return Line(member, creator, kind, at, value, Counting(to), subscription, fromTierId);
    }

    /// <summary>
    /// One history line. As billing writes it: the from-tier is the subscription's tier before the
    /// change (none for a subscription's first line), the to-tier its tier after; no line before
    /// the member's latest (a cancellation scheduled "before" an upgrade comes after it).
    /// </summary>
    private (long Mrr, long Commitment) Line(Member member, Creator creator, MembershipChangeKind kind, DateTime at, (long Mrr, long Commitment) before,
        (long Mrr, long Commitment) after, Subscription subscription, int? fromTierId)
    {
        at = at < _lastLineAt ? _lastLineAt.AddMinutes(1) : at;
        if (at > _now)
        {
            throw new InvalidOperationException($"Demo history: a {kind} line at {at:O} would be after now ({_now:O}).");
        }

        _lastLineAt = at;
        db.MembershipChanges.Add(new MembershipChange
        {
            CreatorId = creator.Id, Member = member, StripeSubscriptionId = subscription.StripeSubscriptionId, Kind = kind,
            FromTierId = fromTierId, ToTierId = subscription.TierId, MrrBeforeMinor = before.Mrr, MrrAfterMinor = after.Mrr,
            CommitmentBeforeMinor = before.Commitment, CommitmentAfterMinor = after.Commitment, Currency = subscription.Currency, OccurredAt = at,
        });
        return after;
    }

    private void Pay(Member member, Creator creator, Subscription subscription, TierPrice price, DateTime at, decimal feePercent, string reason)
    {
        var payment = new Payment
        {
            StripeInvoiceId = $"in_demo_{Hex()}", StripeChargeId = $"ch_demo_{Hex()}", StripeSubscriptionId = subscription.StripeSubscriptionId,
            CreatorId = creator.Id, Member = member, AmountMinor = price.AmountMinor,
            PlatformFeeMinor = (long)Math.Round(price.AmountMinor * feePercent / 100m, MidpointRounding.AwayFromZero),
            Currency = price.Currency, BillingReason = reason, PaidAt = at,
        };
        db.Payments.Add(payment);
        member.LifetimePaidMinor += price.AmountMinor;
        if (_random.NextDouble() < 0.005)
        {
            // Refunded a few days later; one that would fall after now has not happened yet.
            var refundedAt = at.AddDays(1 + _random.Next(3)).AddHours(_random.Next(24));
            if (refundedAt < _now)
            {
                db.Refunds.Add(new Refund
                {
                    StripeRefundId = $"re_demo_{Hex()}", Payment = payment, CreatorId = creator.Id, AmountMinor = price.AmountMinor,
                    Currency = price.Currency, RefundedAt = refundedAt,
                });
                member.LifetimePaidMinor -= price.AmountMinor;
            }
        }
    }

    private string Hex()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private Guid NewGuid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private static (long Mrr, long Commitment) Counting(TierPrice price) =>
        (Mrr.Monthly(price.Interval, price.AmountMinor), price.Interval == BillingInterval.Month ? price.AmountMinor * 12 : price.AmountMinor);

    private static DateTime Next(DateTime at, BillingInterval interval) => interval == BillingInterval.Month ? at.AddMonths(1) : at.AddYears(1);
}
