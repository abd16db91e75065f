using Hangfire;
using Membership.Web.Infrastructure.Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>Queues <see cref="StripeCatalog.SyncCreatorAsync"/> as a Hangfire job (retried with back-off while Stripe is down).</summary>
public sealed class StripeCatalogJobs(IBackgroundJobClient jobs) : IStripeCatalogQueue
{
    public void CreatorChanged(int creatorId) =>
        jobs.Enqueue<StripeCatalog>(catalog => catalog.SyncCreatorAsync(creatorId, CancellationToken.None));
}
