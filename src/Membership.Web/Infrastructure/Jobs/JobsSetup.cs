using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Membership.Web.Features.Billing;
using Membership.Web.Features.PostEmails;
using Membership.Web.Features.Posts;
using Membership.Web.Infrastructure.Email;

namespace Membership.Web.Infrastructure.Jobs;

/// <summary>
/// Hangfire: in-memory storage (the embedded default; nothing of value lives only in it, since
/// every job works from database state), workers unless <c>Jobs:RunWorkers=false</c>, and the
/// recurring jobs registered with stable ids at start-up.
/// </summary>
public static class JobsSetup
{
    public static IServiceCollection AddMembershipJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JobSettings>(configuration.GetSection("Jobs"));

        // This host's own storage, registered before Hangfire's default (the static
        // JobStorage.Current, which every host in one process would share). It is made when
        // Hangfire's configuration runs, after Hangfire has this host's logger.
        var storage = new HostStorage();
        services.AddSingleton<JobStorage>(provider =>
        {
            provider.GetRequiredService<IGlobalConfiguration>();
            return storage.Instance ?? throw new InvalidOperationException("Hangfire storage was not configured.");
        });
        services.AddHangfire(options =>
        {
            storage.Instance = new InMemoryStorage(new InMemoryStorageOptions());
            options
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseStorage(storage.Instance);
        });
        if (configuration.GetValue("Jobs:RunWorkers", true))
        {
            services.AddHangfireServer(options => options.WorkerCount = Math.Max(2, Environment.ProcessorCount));
        }

        return services;
    }

    public const string DashboardPath = "/admin/jobs";

    /// <summary>
    /// The Hangfire dashboard at <c>/admin/jobs</c>, for the admin role only: everyone else,
    /// signed in or not, local or not, gets 403.
    /// </summary>
    public static void MapJobsDashboard(this WebApplication app)
    {
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(DashboardPath),
            branch => branch.Use(async (context, next) =>
            {
                if (context.User.IsInRole(Security.Roles.Admin))
                {
                    await next();
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("The jobs dashboard is for site admins.");
            }));
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            // The middleware above has already let only admins through.
            Authorization = [new AdminsOnly()],
            DisplayStorageConnectionString = false,
            DashboardTitle = "Membership jobs",
        });
    }

    private sealed class AdminsOnly : Hangfire.Dashboard.IDashboardAuthorizationFilter
    {
        public bool Authorize(Hangfire.Dashboard.DashboardContext context) =>
            context.GetHttpContext().User.IsInRole(Security.Roles.Admin);
    }

    private sealed class HostStorage
    {
        public JobStorage? Instance { get; set; }
    }

    public static void RegisterRecurringJobs(IServiceProvider services)
    {
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<ScheduledPostPublisher>(
            ScheduledPostPublisher.RecurringJobId, publisher => publisher.PublishDueAsync(CancellationToken.None), Cron.Minutely());

        recurring.AddOrUpdate<DeliveryResumer>(
            DeliveryResumer.RecurringJobId, resumer => resumer.ResumeAsync(CancellationToken.None), Cron.Minutely());

        recurring.AddOrUpdate<OutboxDispatcher>(
            OutboxDispatcher.RecurringJobId, dispatcher => dispatcher.SendDueAsync(CancellationToken.None), Cron.Minutely());

        recurring.AddOrUpdate<StripeEventProcessor>(
            StripeEventProcessor.RecurringJobId, processor => processor.ProcessPendingAsync(CancellationToken.None), Cron.Minutely());

        // Catch up at once on anything that fell due, or was left half-sent, while the site was down.
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        jobs.Enqueue<ScheduledPostPublisher>(publisher => publisher.PublishDueAsync(CancellationToken.None));
        jobs.Enqueue<DeliveryResumer>(resumer => resumer.ResumeAsync(CancellationToken.None));
        jobs.Enqueue<OutboxDispatcher>(dispatcher => dispatcher.SendDueAsync(CancellationToken.None));
        jobs.Enqueue<StripeEventProcessor>(processor => processor.ProcessPendingAsync(CancellationToken.None));
    }
}
