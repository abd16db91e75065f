using Membership.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Membership.Web.Infrastructure.Health;

/// <summary>
/// Healthy when the database answers a query that reads a table, through the same connections
/// (pool, interceptors) as every request; <c>/healthz/ready</c> answers 503 otherwise (the node
/// cannot serve anything without it). A query, not <c>CanConnect</c>: on SQLite that only asks
/// whether the file exists. On SQLite in WAL mode reads go on while another connection holds the
/// write lock, so a node whose writes wait out the busy time-out stays ready (pages still read);
/// those writes answer 503.
/// </summary>
public sealed class DatabaseHealthCheck(MembershipDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Reachability.Timeout);
        try
        {
            await db.DataProtectionKeys.AsNoTracking().AnyAsync(timeout.Token);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", exception);
        }
    }
}
