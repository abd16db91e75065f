using Membership.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Membership.Web.Infrastructure.Health;

/// <summary>Healthy when the database answers a query; <c>/healthz/ready</c> answers 503 otherwise (the node cannot serve anything without it).</summary>
public sealed class DatabaseHealthCheck(MembershipDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("The database answers.")
                : HealthCheckResult.Unhealthy("The database does not answer.");
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", exception);
        }
    }
}
