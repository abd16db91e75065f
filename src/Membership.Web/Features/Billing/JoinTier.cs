using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Membership.Web.Features.Billing;

/// <summary>What the Join form posts: only the billing interval. The tier comes from the route, the price from our database.</summary>
public sealed class JoinRequest
{
    /// <summary>"month" or "year".</summary>
    public string Interval { get; set; } = "month";
}

/// <summary>Where a join goes next: Stripe's Checkout page, or back to the form with what is wrong.</summary>
public sealed record JoinOutcome(string? CheckoutUrl, Errors Errors);

/// <summary>
/// "Join": checks the fan may join this tier now, makes sure Stripe knows the price, records the
/// attempt, then opens a Checkout session for it. Nothing here grants access: that comes only from
/// Stripe's webhook.
/// </summary>
public sealed class JoinTier(
    MembershipDbContext db,
    StripeCatalog catalog,
    Payouts payouts,
    StripeGateway stripe,
    PublicLinks links,
    IOptions<StripeSettings> stripeSettings,
    IOptions<PlatformSettings> platform,
    TimeProvider clock)
{
    public async Task<JoinOutcome> StartAsync(Creator creator, Tier tier, string userId, JoinRequest request, CancellationToken cancellationToken)
    {
        // Each stale id Stripe names (the fan's customer, the catalogue, the payouts account) is
        // dropped and made again, one per try.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(creator, tier, userId, request, cancellationToken);
            }
            catch (StripeException exception) when (exception.StripeError?.Code == "resource_missing" && attempt < 4)
            {
                if (!await ForgetAsync(exception, creator, userId, cancellationToken))
                {
                    throw;
                }

                db.ChangeTracker.Clear();
                creator = await db.Creators.AsNoTracking().SingleAsync(c => c.Id == creator.Id, cancellationToken);
                tier = await db.Tiers.SingleAsync(t => t.Id == tier.Id, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Drops the stored id Stripe said it does not know (its data was reset, or the keys were
    /// switched from test to live), so that it is made again: the creator's products and prices,
    /// the fan's customer, or the creator's payouts account (which the creator must connect again).
    /// </summary>
    private async Task<bool> ForgetAsync(StripeException exception, Creator creator, string userId, CancellationToken cancellationToken)
    {
        var param = exception.StripeError?.Param ?? "";
        db.ChangeTracker.Clear();
        if (StripeCatalog.IsMissingCatalogue(exception))
        {
            await catalog.ForgetCatalogueAsync(creator.Id, cancellationToken);
            return true;
        }

        if (param == "customer")
        {
            await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.StripeCustomerId, (string?)null), cancellationToken);
            return true;
        }

        if (param.Contains("destination", StringComparison.Ordinal))
        {
            // Payouts reads the account again, and disconnects one Stripe no longer knows.
            await payouts.RefreshAsync(await db.Creators.SingleAsync(c => c.Id == creator.Id, cancellationToken), cancellationToken);
            return true;
        }

        return false;
    }

    private async Task<JoinOutcome> StartOnceAsync(Creator creator, Tier tier, string userId, JoinRequest request, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        var interval = request.Interval switch
        {
            "month" => BillingInterval.Month,
            "year" => BillingInterval.Year,
            _ => (BillingInterval?)null,
        };
        if (interval is null)
        {
            return new JoinOutcome(null, errors.Add(nameof(JoinRequest.Interval), "Choose monthly or yearly."));
        }

        if (interval == BillingInterval.Year && tier.YearlyPriceMinor is null)
        {
            return new JoinOutcome(null, errors.Add(nameof(JoinRequest.Interval), $"{tier.Name} has no yearly price; choose monthly."));
        }

        var refusal = await RefusalAsync(creator, tier, userId, cancellationToken);
        if (refusal is not null)
        {
            return new JoinOutcome(null, errors.Add("", refusal));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var price = await catalog.EnsurePriceAsync(creator, tier, interval.Value, cancellationToken)
            ?? throw new InvalidOperationException($"Tier {tier.Id} has no live {interval} price.");

        // One free trial per fan and creator: joining, cancelling and joining again is not a new trial.
        var hadSubscription = await db.Subscriptions.AnyAsync(s => s.CreatorId == creator.Id && s.Member!.UserId == userId, cancellationToken);
        var trialDays = tier.TrialDays is > 0 && !hadSubscription ? tier.TrialDays : null;
        var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
        var customerId = await EnsureCustomerAsync(user, cancellationToken);

        var reservation = await ReserveAsync(creator, tier, price, userId, now, cancellationToken);
        if (reservation.Refusal is not null)
        {
            return new JoinOutcome(null, errors.Add("", reservation.Refusal));
        }

        if (reservation.Attempt.CheckoutUrl is not null)
        {
            var reopened = await OpenSessionUrlAsync(reservation.Attempt, cancellationToken);
            if (reopened is not null)
            {
                return new JoinOutcome(reopened, Errors.None);
            }

            // Stripe closed it (expired, or a Stripe that no longer knows it): this attempt is over, start another.
            return await StartOnceAsync(creator, tier, userId, request, cancellationToken);
        }

        var attempt = reservation.Attempt;
        var metadata = new Dictionary<string, string>
        {
            [StripeMetadata.CreatorId] = creator.Id.ToString(CultureInfo.InvariantCulture),
            [StripeMetadata.UserId] = userId,
            [StripeMetadata.TierId] = tier.Id.ToString(CultureInfo.InvariantCulture),
            [StripeMetadata.TierPriceId] = price.Id.ToString(CultureInfo.InvariantCulture),
            [StripeMetadata.CheckoutAttemptId] = attempt.Id.ToString(CultureInfo.InvariantCulture),
        };
        Session session;
        try
        {
            session = await stripe.CallAsync((client, token) => new SessionService(client).CreateAsync(
                new SessionCreateOptions
                {
                    Mode = "subscription",
                    Customer = customerId,
                    ClientReferenceId = attempt.Id.ToString(CultureInfo.InvariantCulture),
                    Metadata = metadata,
                    LineItems = [new SessionLineItemOptions { Price = price.StripePriceId, Quantity = 1 }],
                    SubscriptionData = new SessionSubscriptionDataOptions
                    {
                        Metadata = metadata,
                        TrialPeriodDays = trialDays,
                        ApplicationFeePercent = platform.Value.FeePercent,
                        TransferData = new SessionSubscriptionDataTransferDataOptions { Destination = creator.StripeAccountId },
                    },
                    // The session stops taking payment when the place it holds in a capped tier lapses.
                    ExpiresAt = attempt.ExpiresAt,
                    SuccessUrl = links.Absolute($"/{creator.Handle}/join/done?attempt={attempt.Id}"),
                    CancelUrl = links.Absolute($"/{creator.Handle}/join/{tier.Id}"),
                },
                new RequestOptions { IdempotencyKey = IdempotencyKeys.For("checkout", attempt.Id, attempt.CreatedAt) },
                token), cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // No session, so no place held: the attempt goes, and the fan can try again at once.
            db.ChangeTracker.Clear();
            await db.CheckoutAttempts.Where(a => a.Id == attempt.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }

        attempt.StripeSessionId = session.Id;
        attempt.CheckoutUrl = session.Url;
        await db.SaveChangesAsync(cancellationToken);
        return new JoinOutcome(session.Url, Errors.None);
    }

    /// <summary>Why this fan cannot join this tier now, or null when they can.</summary>
    public async Task<string?> RefusalAsync(Creator creator, Tier tier, string? userId, CancellationToken cancellationToken)
    {
        if (tier.IsArchived)
        {
            return $"{tier.Name} is no longer open to new members.";
        }

        if (creator.UserId == userId)
        {
            return "This is your own page.";
        }

        if (creator.StripeAccountId is null || !creator.ChargesEnabled)
        {
            return $"{creator.DisplayName} has not finished connecting payouts yet, so paid memberships are not open. Nobody will be charged.";
        }

        if (userId is not null)
        {
            var member = await db.Members.AsNoTracking().SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == userId, cancellationToken);
            if (member is { Status: MemberStatus.Active or MemberStatus.PastDue, IsComplimentary: false })
            {
                return "You are already a paying member. Use \"Manage membership\" to change tier or billing.";
            }
        }

        if (tier.MemberCap is { } cap)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var members = await TierMembers.CountAsync(db, tier.Id);
            // Someone else's open Checkout holds a place until it expires.
            var holding = await db.CheckoutAttempts.CountAsync(
                a => a.TierId == tier.Id && a.CompletedAt == null && a.ExpiresAt > now && a.UserId != userId, cancellationToken);
            if (members + holding >= cap)
            {
                return $"{tier.Name} is full: all {cap} places are taken.";
            }
        }

        return null;
    }

    private sealed record Reservation(CheckoutAttempt Attempt, string? Refusal);

    /// <summary>
    /// The fan's open attempt for this price, or a new one holding a place. For a capped tier the
    /// check and the new row are one transaction that first writes the tier's row, so concurrent
    /// joins of the last place take turns (a row lock on PostgreSQL and SQL Server, the single
    /// writer on SQLite) and each counts the places the others already took.
    /// </summary>
    private async Task<Reservation> ReserveAsync(Creator creator, Tier tier, TierPrice price, string userId, DateTime now, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            // A retried try (SQL Server's execution strategy) starts without the row the failed one added.
            foreach (var added in db.ChangeTracker.Entries<CheckoutAttempt>().Where(e => e.State == EntityState.Added).ToList())
            {
                added.State = EntityState.Detached;
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (tier.MemberCap is not null)
            {
                await db.Tiers.Where(t => t.Id == tier.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.MemberCap, t => t.MemberCap), cancellationToken);
                var refusal = await RefusalAsync(creator, tier, userId, cancellationToken);
                if (refusal is not null)
                {
                    return new Reservation(null!, refusal);
                }
            }

            // A second click (or a back button) while a session is still open goes to the same page.
            var open = await db.CheckoutAttempts
                .Where(a => a.UserId == userId && a.TierPriceId == price.Id && a.CompletedAt == null && a.ExpiresAt > now && a.CheckoutUrl != null)
                .OrderByDescending(a => a.Id).FirstOrDefaultAsync(cancellationToken);
            if (open is not null)
            {
                return new Reservation(open, null);
            }

            var attempt = new CheckoutAttempt
            {
                UserId = userId,
                CreatorId = creator.Id,
                TierId = tier.Id,
                TierPriceId = price.Id,
                CreatedAt = now,
                // Stripe takes 30 minutes to 24 hours from its own now: a minute of margin each way.
                // (Whole seconds: Stripe's timestamps have no fractions.)
                ExpiresAt = WholeSeconds(now.AddMinutes(Math.Clamp(stripeSettings.Value.CheckoutMinutes, 31, 1439))),
            };
            db.CheckoutAttempts.Add(attempt);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new Reservation(attempt, null);
        });
    }

    /// <summary>The open attempt's Checkout page if Stripe still takes payment there; null when the session is over.</summary>
    private async Task<string?> OpenSessionUrlAsync(CheckoutAttempt attempt, CancellationToken cancellationToken)
    {
        try
        {
            var session = await stripe.CallAsync((client, token) => new SessionService(client).GetAsync(attempt.StripeSessionId, cancellationToken: token), cancellationToken);
            if (session.Status == "open")
            {
                return session.Url ?? attempt.CheckoutUrl;
            }
        }
        catch (StripeException exception) when (exception.StripeError?.Code == "resource_missing")
        {
            // Not in this Stripe (an emulator reset, or keys switched from test to live).
        }

        db.ChangeTracker.Clear();
        var closedAt = clock.GetUtcNow().UtcDateTime;
        // Ended now: it holds no place and is not offered again.
        await db.CheckoutAttempts.Where(a => a.Id == attempt.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.ExpiresAt, closedAt), cancellationToken);
        return null;
    }

    private static DateTime WholeSeconds(DateTime instant) =>
        new(instant.Ticks - (instant.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private async Task<string> EnsureCustomerAsync(AppUser user, CancellationToken cancellationToken)
    {
        if (user.StripeCustomerId is not null)
        {
            return user.StripeCustomerId;
        }

        var customer = await stripe.CallAsync((client, token) => new CustomerService(client).CreateAsync(
            new CustomerCreateOptions
            {
                Email = user.Email,
                Name = user.DisplayName,
                Metadata = new Dictionary<string, string> { [StripeMetadata.UserId] = user.Id },
            },
            new RequestOptions { IdempotencyKey = IdempotencyKeys.For("customer", user.Id, user.CreatedAt) },
            token), cancellationToken);
        user.StripeCustomerId = customer.Id;
        await db.SaveChangesAsync(cancellationToken);
        return customer.Id;
    }
}
