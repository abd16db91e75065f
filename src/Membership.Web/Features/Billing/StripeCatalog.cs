using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Tier ↔ Stripe product and prices. Done when someone joins (the only moment Stripe must know
/// the price), so editing tiers never waits on Stripe. Every create carries an idempotency key
/// made from our row, so a retry or a second node never makes a second product or price.
/// </summary>
public sealed class StripeCatalog(MembershipDbContext db, StripeGateway stripe, TimeProvider clock)
{
    /// <summary>The Stripe price id for the tier's live price of <paramref name="interval"/>, creating what is missing.</summary>
    public async Task<TierPrice?> EnsurePriceAsync(Creator creator, Tier tier, BillingInterval interval, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await TierPrices.ReconcileAsync(db, tier, creator.Currency, now);
        await db.SaveChangesAsync(cancellationToken);

        if (tier.StripeProductId is null)
        {
            var product = await stripe.CallAsync((client, token) => new ProductService(client).CreateAsync(
                new ProductCreateOptions
                {
                    Name = $"{creator.DisplayName}: {tier.Name}",
                    Description = string.IsNullOrWhiteSpace(tier.Description) ? null : tier.Description,
                    Metadata = new Dictionary<string, string>
                    {
                        [StripeMetadata.CreatorId] = creator.Id.ToString(CultureInfo.InvariantCulture),
                        [StripeMetadata.TierId] = tier.Id.ToString(CultureInfo.InvariantCulture),
                    },
                },
                new RequestOptions { IdempotencyKey = IdempotencyKeys.For("tier-product", tier.Id, tier.CreatedAt) },
                token), cancellationToken);
            tier.StripeProductId = product.Id;
            await db.SaveChangesAsync(cancellationToken);
        }

        var prices = await db.TierPrices.Where(p => p.TierId == tier.Id).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        // Two joins reconciling a changed price at once can each add the new row: keep the first.
        foreach (var extra in prices.Where(p => p.RetiredAt is null).GroupBy(p => p.Interval).SelectMany(g => g.Skip(1)))
        {
            extra.RetiredAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var price in prices.Where(p => p.RetiredAt is null && p.StripePriceId is null))
        {
            var created = await stripe.CallAsync((client, token) => new PriceService(client).CreateAsync(
                new PriceCreateOptions
                {
                    Product = tier.StripeProductId,
                    Currency = price.Currency.ToLowerInvariant(),
                    UnitAmount = price.AmountMinor,
                    Recurring = new PriceRecurringOptions { Interval = price.Interval == BillingInterval.Month ? "month" : "year" },
                    Nickname = $"{tier.Name} ({(price.Interval == BillingInterval.Month ? "monthly" : "yearly")})",
                    Metadata = new Dictionary<string, string>
                    {
                        [StripeMetadata.CreatorId] = creator.Id.ToString(CultureInfo.InvariantCulture),
                        [StripeMetadata.TierId] = tier.Id.ToString(CultureInfo.InvariantCulture),
                        [StripeMetadata.TierPriceId] = price.Id.ToString(CultureInfo.InvariantCulture),
                    },
                },
                new RequestOptions { IdempotencyKey = IdempotencyKeys.For("tier-price", price.Id, price.CreatedAt) },
                token), cancellationToken);
            price.StripePriceId = created.Id;
            await db.SaveChangesAsync(cancellationToken);
        }

        // Replaced prices stop being offered (the portal lists only active prices); subscribers keep them.
        foreach (var price in prices.Where(p => p.RetiredAt is not null && p.StripePriceId is not null && !p.RetiredInStripe))
        {
            await stripe.CallAsync((client, token) => new PriceService(client).UpdateAsync(
                price.StripePriceId, new PriceUpdateOptions { Active = false }, cancellationToken: token), cancellationToken);
            price.RetiredInStripe = true;
            await db.SaveChangesAsync(cancellationToken);
        }

        return prices.FirstOrDefault(p => p.RetiredAt is null && p.Interval == interval);
    }
}

/// <summary>
/// Idempotency keys from our own rows: the same row always gives the same key (so every retry
/// replays the first answer), and the row's creation instant keeps keys apart across a rebuilt
/// database talking to the same Stripe account.
/// </summary>
public static class IdempotencyKeys
{
    public static string For(string what, object id, DateTime createdAt) =>
        FormattableString.Invariant($"membership-{what}-{id}-{new DateTimeOffset(createdAt, TimeSpan.Zero).ToUnixTimeMilliseconds()}");
}
