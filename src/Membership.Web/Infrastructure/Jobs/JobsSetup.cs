using Hangfire;
using Hangfire.InMemory;
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

        // Catch up at once on anything that fell due, or was left half-sent, while the site was down.
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        jobs.Enqueue<ScheduledPostPublisher>(publisher => publisher.PublishDueAsync(CancellationToken.None));
        jobs.Enqueue<DeliveryResumer>(resumer => resumer.ResumeAsync(CancellationToken.None));
        jobs.Enqueue<OutboxDispatcher>(dispatcher => dispatcher.SendDueAsync(CancellationToken.None));
    }
}
