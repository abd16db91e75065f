using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Tier ↔ Stripe product and prices, and the creator's billing-portal configuration. Written by a
/// job queued when a tier is saved (retried while Stripe is down, so saving a tier never waits on
/// Stripe), and made sure of again when someone joins or opens the portal. Every create carries an
/// idempotency key made from our row, so a retry or a second node never makes a second product or price.
/// </summary>
public sealed class StripeCatalog(MembershipDbContext db, StripeGateway stripe, PublicLinks links, TimeProvider clock, ILogger<StripeCatalog> logger)
{
    /// <summary>
    /// Every joinable tier's product and live prices in Stripe, then the portal configuration that
    /// offers exactly those (archived tiers drop out; their members keep their price). Returns the
    /// configuration's id.
    /// </summary>
    [Hangfire.AutomaticRetry(Attempts = 10)]
    public async Task<string> SyncCreatorAsync(int creatorId, CancellationToken cancellationToken)
    {
        try
        {
            return await SyncCreatorOnceAsync(creatorId, cancellationToken);
        }
        catch (StripeException exception) when (IsMissingCatalogue(exception))
        {
            await ForgetCatalogueAsync(creatorId, cancellationToken);
            return await SyncCreatorOnceAsync(creatorId, cancellationToken);
        }
    }

    /// <summary>Stripe does not know a product or price we stored (its data was reset, or the keys were switched).</summary>
    public static bool IsMissingCatalogue(StripeException exception) =>
        exception.StripeError?.Code == "resource_missing"
        && (exception.StripeError.Param ?? "") is var param && (param.Contains("price", StringComparison.Ordinal) || param.Contains("product", StringComparison.Ordinal));

    /// <summary>
    /// Drops the creator's Stripe product, live price and portal ids, so that the next sync makes
    /// them again in the Stripe the site now uses. Retired prices keep their ids: they only name
    /// what past subscriptions paid.
    /// </summary>
    public async Task ForgetCatalogueAsync(int creatorId, CancellationToken cancellationToken)
    {
        logger.LogWarning("Stripe no longer knows the products or prices of creator {CreatorId}; making them again", creatorId);
        db.ChangeTracker.Clear();
        await db.Tiers.Where(t => t.CreatorId == creatorId).ExecuteUpdateAsync(u => u.SetProperty(t => t.StripeProductId, (string?)null), cancellationToken);
        await db.TierPrices.Where(p => p.Tier!.CreatorId == creatorId && p.RetiredAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.StripePriceId, (string?)null), cancellationToken);
        await db.Creators.Where(c => c.Id == creatorId).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.StripePortalConfigurationId, (string?)null).SetProperty(c => c.StripePortalFingerprint, (string?)null), cancellationToken);
    }

    private async Task<string> SyncCreatorOnceAsync(int creatorId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var creator = await db.Creators.SingleAsync(c => c.Id == creatorId, cancellationToken);
        var tiers = await db.Tiers.Where(t => t.CreatorId == creatorId && t.ArchivedAt == null)
            .OrderBy(t => t.SortOrder).ThenBy(t => t.Id).ToListAsync(cancellationToken);
        var offered = new List<Stripe.BillingPortal.ConfigurationFeaturesSubscriptionUpdateProductOptions>();
        foreach (var tier in tiers)
        {
            await EnsurePriceAsync(creator, tier, BillingInterval.Month, cancellationToken);
            var prices = await db.TierPrices.Where(p => p.TierId == tier.Id && p.RetiredAt == null && p.StripePriceId != null)
                .OrderBy(p => p.Interval).Select(p => p.StripePriceId!).ToListAsync(cancellationToken);
            offered.Add(new() { Product = tier.StripeProductId, Prices = prices });
        }

        return await EnsurePortalConfigurationAsync(creator, offered, cancellationToken);
    }

    private async Task<string> EnsurePortalConfigurationAsync(
        Creator creator, List<Stripe.BillingPortal.ConfigurationFeaturesSubscriptionUpdateProductOptions> offered, CancellationToken cancellationToken)
    {
        var returnUrl = links.Absolute($"/{creator.Handle}");
        var fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join('|', offered.Select(o => o.Product + ":" + string.Join(',', o.Prices))) + "|" + returnUrl + "|" + creator.DisplayName)));
        if (creator.StripePortalConfigurationId is not null && creator.StripePortalFingerprint == fingerprint)
        {
            return creator.StripePortalConfigurationId;
        }

        var features = new Stripe.BillingPortal.ConfigurationFeaturesOptions
        {
            CustomerUpdate = new() { Enabled = false },
            InvoiceHistory = new() { Enabled = true },
            PaymentMethodUpdate = new() { Enabled = true },
            // Cancelling keeps access to the end of the paid period.
            SubscriptionCancel = new() { Enabled = true, Mode = "at_period_end" },
            SubscriptionUpdate = offered.Count == 0
                ? new() { Enabled = false }
                : new() { Enabled = true, DefaultAllowedUpdates = ["price"], Products = offered, ProrationBehavior = "create_prorations" },
        };
        var business = new Stripe.BillingPortal.ConfigurationBusinessProfileOptions { Headline = creator.DisplayName };
        Stripe.BillingPortal.Configuration configuration;
        if (creator.StripePortalConfigurationId is { } existing)
        {
            try
            {
                configuration = await stripe.CallAsync((client, token) => new Stripe.BillingPortal.ConfigurationService(client).UpdateAsync(existing,
                    new Stripe.BillingPortal.ConfigurationUpdateOptions { BusinessProfile = business, DefaultReturnUrl = returnUrl, Features = features },
                    cancellationToken: token), cancellationToken);
                return await SavePortalConfigurationAsync(creator, configuration.Id, fingerprint, cancellationToken);
            }
            catch (StripeException exception) when (exception.StripeError?.Code == "resource_missing")
            {
                // Not in this Stripe (an emulator reset, or keys switched from test to live): made again below.
            }
        }

        configuration = await stripe.CallAsync((client, token) => new Stripe.BillingPortal.ConfigurationService(client).CreateAsync(
            new Stripe.BillingPortal.ConfigurationCreateOptions
            {
                BusinessProfile = business,
                DefaultReturnUrl = returnUrl,
                Features = features,
                Metadata = new Dictionary<string, string> { [StripeMetadata.CreatorId] = creator.Id.ToString(CultureInfo.InvariantCulture) },
            },
            new RequestOptions { IdempotencyKey = IdempotencyKeys.For("portal-" + fingerprint[..16], creator.Id, creator.CreatedAt) },
            token), cancellationToken);
        return await SavePortalConfigurationAsync(creator, configuration.Id, fingerprint, cancellationToken);
    }

    private async Task<string> SavePortalConfigurationAsync(Creator creator, string configurationId, string fingerprint, CancellationToken cancellationToken)
    {
        creator.StripePortalConfigurationId = configurationId;
        creator.StripePortalFingerprint = fingerprint;
        await db.SaveChangesAsync(cancellationToken);
        return configurationId;
    }

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
