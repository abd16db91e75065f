using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>
/// Keeps a tier's price rows in step with its monthly and yearly price: a changed amount retires
/// the old row and adds a new one (existing subscribers stay on the old Stripe price).
/// </summary>
public static class TierPrices
{
    /// <summary>Adds and retires rows so the tier's live prices match it. The caller saves.</summary>
    public static async Task ReconcileAsync(MembershipDbContext db, Tier tier, string currency, DateTime now)
    {
        var live = tier.Id == 0
            ? []
            : await db.TierPrices.Where(p => p.TierId == tier.Id && p.RetiredAt == null).ToListAsync();
        Reconcile(db, tier, currency, now, live, BillingInterval.Month, tier.MonthlyPriceMinor);
        Reconcile(db, tier, currency, now, live, BillingInterval.Year, tier.YearlyPriceMinor);
    }

    private static void Reconcile(MembershipDbContext db, Tier tier, string currency, DateTime now, List<TierPrice> live, BillingInterval interval, long? amount)
    {
        var keep = false;
        foreach (var price in live.Where(p => p.Interval == interval))
        {
            if (!keep && amount is { } wanted && price.AmountMinor == wanted && price.Currency == currency)
            {
                keep = true;
                continue;
            }

            price.RetiredAt = now;
        }

        if (!keep && amount is { } value)
        {
            db.TierPrices.Add(new TierPrice { Tier = tier, Interval = interval, AmountMinor = value, Currency = currency, CreatedAt = now });
        }
    }
}
