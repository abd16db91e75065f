using System.Linq.Expressions;
using Hangfire;

namespace Membership.Web.Infrastructure.Jobs;

/// <summary>A recurring job declared where its work lives; <see cref="JobsSetup.RegisterRecurringJobs"/> schedules them all.</summary>
public sealed record RecurringJob(string Id, Action<IRecurringJobManager> Schedule, Action<IBackgroundJobClient>? CatchUp);

/// <summary>How a feature declares its recurring jobs in its own <c>Add…()</c>, so the job host needs to know none of them.</summary>
public static class RecurringJobs
{
    /// <param name="catchUpOnStart">Also run it once at start-up, for what fell due while the site was down.</param>
    public static IServiceCollection AddRecurringJob<T>(this IServiceCollection services, string id, Expression<Func<T, Task>> run, string cron, bool catchUpOnStart = false) =>
        services.AddSingleton(new RecurringJob(
            id,
            manager => manager.AddOrUpdate(id, run, cron),
            catchUpOnStart ? client => client.Enqueue(run) : null));
}
