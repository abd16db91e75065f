namespace Membership.Web.Features.Metrics;

/// <summary>The creator's dashboard.</summary>
public static class MetricsSetup
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) => services.AddScoped<DashboardQuery>();
}
