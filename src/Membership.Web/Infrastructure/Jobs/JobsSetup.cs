using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using Membership.Data;
using Membership.Web.Infrastructure.Database;
using Membership.Web.Infrastructure.Email;

namespace Membership.Web.Infrastructure.Jobs;

/// <summary>
/// Hangfire: in-memory storage (the embedded default; nothing of value lives only in it, since
/// every job works from database state), workers unless <c>Jobs:RunWorkers=false</c>, and the
/// recurring jobs registered with stable ids at start-up.
/// </summary>
public static class JobsSetup
{
    public static IServiceCollection AddMembershipJobs(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.Configure<JobSettings>(configuration.GetSection("Jobs"));
        services.AddRecurringJob<OutboxDispatcher>(OutboxDispatcher.RecurringJobId, dispatcher => dispatcher.SendDueAsync(CancellationToken.None), Cron.Minutely(), catchUpOnStart: true);
        services.AddRecurringJob<Forms.SubmissionKeyCleanup>(Forms.SubmissionKeyCleanup.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Daily(4));
        services.AddRecurringJob<Security.SessionCleanup>(Security.SessionCleanup.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Daily(4, 30));
        var jobs = configuration.GetSection("Jobs").Get<JobSettings>() ?? new JobSettings();
        var database = configuration.GetSection("Database").Get<DatabaseSettings>() ?? new DatabaseSettings();

        // This host's own storage, registered before Hangfire's default (the static
        // JobStorage.Current, which every host in one process would share). It is made when
        // Hangfire's configuration runs, after Hangfire has this host's logger.
        var storage = new HostStorage();
        services.AddSingleton<JobStorage>(provider =>
        {
            provider.GetRequiredService<IGlobalConfiguration>();
            return storage.Instance ?? throw new InvalidOperationException("Hangfire storage was not configured.");
        });
        services.AddHangfire((provider, options) =>
        {
            storage.Instance = CreateStorage(jobs, database, configuration, environment);
            options
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseLogProvider(new HostLogProvider(provider.GetRequiredService<ILoggerFactory>()))
                .UseStorage(storage.Instance);
        });
        if (jobs.RunWorkers)
        {
            services.AddHangfireServer(options =>
            {
                options.WorkerCount = Math.Max(2, Environment.ProcessorCount);
                // This server's own filters: job spans and durations (Telemetry), without touching Hangfire's process-wide list.
                options.FilterProvider = Telemetry.JobTelemetryFilter.ForServer();
            });
        }

        return services;
    }

    /// <summary>
    /// Creates or upgrades Hangfire's tables (schema <c>hangfire</c>) in the site's database, as
    /// part of the <c>migrate</c> command. Preparing them is migrating: a node prepares them itself
    /// only with <c>Database:MigrateOnStartup</c> (one node); with several nodes the migration job
    /// does it once, so nodes starting together never race to create the schema.
    /// </summary>
    public static async Task MigrateStorageAsync(IConfiguration configuration, IHostEnvironment environment)
    {
        var jobs = configuration.GetSection("Jobs").Get<JobSettings>() ?? new JobSettings();
        var database = configuration.GetSection("Database").Get<DatabaseSettings>() ?? new DatabaseSettings();
        if (jobs.Storage == JobStorageKind.InMemory)
        {
            return;
        }

        var connectionString = DatabaseSetup.ResolveConnectionString(database, configuration, environment);
        switch (database.Provider)
        {
            case DatabaseProvider.PostgreSql:
                await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
                {
                    await connection.OpenAsync();
                    PostgreSqlObjectsInstaller.Install(connection);
                }

                break;
            case DatabaseProvider.SqlServer:
                await using (var connection = new Microsoft.Data.SqlClient.SqlConnection(connectionString))
                {
                    await connection.OpenAsync();
                    SqlServerObjectsInstaller.Install(connection);
                }

                break;
        }
    }

    /// <summary>
    /// Storage follows the database: SQL Server and PostgreSQL keep Hangfire's queues in the
    /// site's own database (schema <c>hangfire</c>), shared by every node; SQLite uses memory
    /// (one node; jobs work from database state, so nothing of value is lost on restart).
    /// </summary>
    private static JobStorage CreateStorage(JobSettings jobs, DatabaseSettings database, IConfiguration configuration, IHostEnvironment environment)
    {
        var provider = jobs.Storage == JobStorageKind.InMemory ? DatabaseProvider.Sqlite : database.Provider;
        switch (provider)
        {
            case DatabaseProvider.SqlServer:
                return new SqlServerStorage(DatabaseSetup.ResolveConnectionString(database, configuration, environment), new SqlServerStorageOptions
                {
                    PrepareSchemaIfNecessary = database.MigrateOnStartup,
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                });
            case DatabaseProvider.PostgreSql:
                var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = database.MigrateOnStartup, QueuePollInterval = TimeSpan.FromSeconds(1) };
                return new PostgreSqlStorage(new NpgsqlConnectionFactory(DatabaseSetup.ResolveConnectionString(database, configuration, environment), options), options);
            default:
                return new InMemoryStorage(new InMemoryStorageOptions());
        }
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

    /// <summary>
    /// Hangfire's log provider is process-wide (a static), and the first job of each method
    /// builds its retry filter, which asks it for a logger. With several site hosts in one
    /// process (the integration tests) the provider can belong to a host that has stopped;
    /// its logger factory is disposed, and creating the job failed (a 500 on "publish and
    /// email"). Such a host's loggers are replaced by silent ones instead.
    /// </summary>
    private sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
    {
        private readonly Hangfire.AspNetCore.AspNetCoreLogProvider _inner = new(factory);

        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return _inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return new SilentLog();
            }
        }
    }

    private sealed class SilentLog : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }

    private sealed class HostStorage
    {
        public JobStorage? Instance { get; set; }
    }

    /// <summary>
    /// Schedules every recurring job the features declared (<see cref="RecurringJobs.AddRecurringJob{T}"/>)
    /// under its stable id, then catches up at once on the ones that asked to: anything that fell
    /// due, or was left half-done, while the site was down.
    /// </summary>
    public static void RegisterRecurringJobs(IServiceProvider services)
    {
        var declared = services.GetServices<RecurringJob>().ToList();
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        foreach (var job in declared)
        {
            job.Schedule(recurring);
        }

        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        foreach (var job in declared)
        {
            job.CatchUp?.Invoke(jobs);
        }
    }
}
