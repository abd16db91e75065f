using Hangfire;
using Membership.Web.Infrastructure.Jobs;

namespace Membership.Web.Features.Reports;

/// <summary>Monthly reports, made and emailed on the first of the month.</summary>
public static class ReportsSetup
{
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddSingleton<MonthlyReports>();
        // 06:00 UTC on the first of the month, for the month that just ended.
        services.AddRecurringJob<MonthlyReports>(MonthlyReports.RecurringJobId, job => job.SendAsync(CancellationToken.None), Cron.Monthly(1, 6));
        return services;
    }
}
