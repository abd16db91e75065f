namespace Membership.Web.Infrastructure.Stripe;

/// <summary>
/// Told when a creator's tiers change (saved, archived, restored, deleted), so that Stripe's copy
/// of them (products, prices, the billing-portal configuration) follows in the background: the
/// creator's save never waits on Stripe, and a Stripe that is down is retried later.
/// </summary>
public interface IStripeCatalogQueue
{
    void CreatorChanged(int creatorId);
}
