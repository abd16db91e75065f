using Hangfire;
using Membership.Tests.Infrastructure;
using Membership.Tests.Jobs;
using Membership.Web.Features.Posts;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Telemetry;

/// <summary>
/// Job runs through the site's own Hangfire server (workers on): each run records
/// <c>membership.jobs.duration</c> with the job's name and outcome, by the server filter.
/// </summary>
[Collection(HangfireWorkers.Name)]
public sealed class JobTelemetryTests
{
    private const string Duration = "membership.jobs.duration";

    [Fact]
    public async Task JobRuns_SucceededAndFailed_RecordDurationTaggedWithJobAndOutcome()
    {
        using var recorder = new MeasurementRecorder();
        await using var site = new MembershipFactory
        {
            ExtraSettings = new Dictionary<string, string?> { ["Jobs:RunWorkers"] = "true" },
        };
        var storage = site.Services.GetRequiredService<JobStorage>();
        var started = DateTime.UtcNow;

        var succeeded = site.Services.GetRequiredService<IRecurringJobManagerV2>().TriggerJob(ScheduledPostPublisher.RecurringJobId);
        var failed = site.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<FailingJob>(job => job.RunAsync());

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (State(storage, succeeded) != "Succeeded" || State(storage, failed) != "Failed")
        {
            Assert.True(DateTime.UtcNow < deadline, $"Jobs not done: {State(storage, succeeded)}, {State(storage, failed)}");
            await Task.Delay(100);
        }

        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        var publish = recorder.All(Duration).Where(m => Equals(m.Tags["job"], ScheduledPostPublisher.RecurringJobId)).ToList();
        Assert.NotEmpty(publish);
        Assert.All(publish, m =>
        {
            Assert.Equal("succeeded", m.Tags["outcome"]);
            Assert.InRange(m.Value, 0, elapsed);
        });
        // The failing job: its duration is in seconds, about its 50 ms wait
        // (the timer may fire a millisecond or two early: 48.5 ms has been seen).
        var failure = Assert.Single(recorder.All(Duration), m => Equals(m.Tags["job"], $"{nameof(FailingJob)}.{nameof(FailingJob.RunAsync)}"));
        Assert.Equal("failed", failure.Tags["outcome"]);
        Assert.True(failure.Value >= 0.04 && failure.Value <= elapsed, $"The failing job waits 50 ms before throwing, within the test's {elapsed:F2} s; recorded {failure.Value} s.");
    }

    private static string? State(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId)?.Name;
    }

    /// <summary>A job that fails once, for good (no automatic retry).</summary>
    public sealed class FailingJob
    {
        [AutomaticRetry(Attempts = 0)]
        public async Task RunAsync()
        {
            await Task.Delay(50);
            throw new InvalidOperationException("This job fails on purpose.");
        }
    }
}
