using System.Diagnostics;
using Hangfire.Common;
using Hangfire.Server;

namespace Membership.Web.Infrastructure.Telemetry;

/// <summary>
/// A Hangfire server filter: each job run becomes a span (<c>job {name}</c>) and one
/// <c>membership.jobs.duration</c> measurement tagged with the job's name (the recurring id, e.g.
/// <c>posts:publish-due</c>, else <c>Type.Method</c>) and its outcome (<c>succeeded</c> or <c>failed</c>).
/// Installed on this host's own server (see <see cref="ForServer"/>), not Hangfire's process-wide filters.
/// </summary>
public sealed class JobTelemetryFilter : IServerFilter
{
    private const string StartedKey = "membership.telemetry.started";
    private const string ActivityKey = "membership.telemetry.activity";

    /// <summary>Hangfire's own filters (global ones and attributes such as AutomaticRetry) plus this one.</summary>
    public static IJobFilterProvider ForServer() =>
        new JobFilterProviderCollection(JobFilterProviders.Providers, new JobFilterCollection { new JobTelemetryFilter() });

    public void OnPerforming(PerformingContext context)
    {
        var name = JobName(context);
        var activity = MembershipTelemetry.Source.StartActivity($"job {name}", ActivityKind.Internal);
        activity?.SetTag("membership.job.name", name);
        activity?.SetTag("membership.job.id", context.BackgroundJob.Id);
        context.Items[ActivityKey] = activity;
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
    }

    public void OnPerformed(PerformedContext context)
    {
        var failed = context.Exception is not null && !context.ExceptionHandled;
        var outcome = failed ? "failed" : "succeeded";
        if (context.Items.TryGetValue(StartedKey, out var started) && started is long timestamp)
        {
            MembershipTelemetry.JobDuration.Record(
                Stopwatch.GetElapsedTime(timestamp).TotalSeconds,
                new KeyValuePair<string, object?>("job", JobName(context)),
                new KeyValuePair<string, object?>("outcome", outcome));
        }

        if (context.Items.TryGetValue(ActivityKey, out var value) && value is Activity activity)
        {
            activity.SetTag("membership.job.outcome", outcome);
            if (failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, context.Exception!.GetType().Name);
                activity.AddException(context.Exception);
            }

            activity.Dispose();
        }
    }

    /// <summary>Bounded names: the recurring job's stable id, or the method a one-off job runs.</summary>
    private static string JobName(PerformContext context)
    {
        var recurring = context.GetJobParameter<string>("RecurringJobId", allowStale: true);
        if (!string.IsNullOrEmpty(recurring))
        {
            return recurring;
        }

        var job = context.BackgroundJob.Job;
        return job is null ? "unknown" : $"{job.Type.Name}.{job.Method.Name}";
    }
}
