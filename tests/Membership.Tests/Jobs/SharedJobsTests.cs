using Hangfire;
using Hangfire.Storage;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Jobs;

/// <summary>
/// Two site instances on one database, both running Hangfire workers. On PostgreSQL they share
/// Hangfire's storage in that database (<c>Jobs:Storage=Database</c>, the production set-up); on
/// SQLite each has its own in-memory queue. Either way the monthly report job, run on both,
/// sends one report per creator: the database's unique key decides, not Hangfire's locks.
/// </summary>
[Collection(HangfireWorkers.Name)]
public sealed class SharedJobsTests
{
    [Fact]
    public async Task MonthlyReport_TwoInstancesRunTheRecurringJob_OneEmailPerCreator()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 4, 1, 6, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?> { ["Jobs:RunWorkers"] = "true", ["Jobs:Storage"] = "Database" };
        await using var first = new MembershipFactory { Clock = clock, ExtraSettings = settings };
        var creator = await MonthlyReportTests.SeedAsync(first);
        await using var second = new MembershipFactory(first.Database, first.DataDirectory) { Clock = clock, ExtraSettings = settings };
        var email = await first.WithDbAsync(db => db.Creators.Where(c => c.Id == creator).Select(c => c.User!.Email!).SingleAsync());

        var triggered = new[] { first, second }.Select(site =>
        {
            var jobs = site.Services.GetRequiredService<IRecurringJobManagerV2>();
            return (Storage: site.Services.GetRequiredService<JobStorage>(), JobId: jobs.TriggerJob(MonthlyReports.RecurringJobId));
        }).ToList();
        Assert.All(triggered, t => Assert.False(string.IsNullOrEmpty(t.JobId)));

        // Done when both runs succeeded (a run that failed is retried by Hangfire, and must still send once).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (triggered.Any(t => State(t.Storage, t.JobId) != "Succeeded"))
        {
            Assert.True(DateTime.UtcNow < deadline, "Jobs not done: " + string.Join(", ", triggered.Select(t => $"{t.JobId}={State(t.Storage, t.JobId)} {Detail(t.Storage, t.JobId)}")));
            await Task.Delay(100);
        }

        Assert.Equal(1, await first.WithDbAsync(db => db.MonthlyReports.CountAsync(r => r.CreatorId == creator)));
        Assert.Equal(1, await first.WithDbAsync(db => db.OutboxEmails.CountAsync(e => e.To == email && e.Subject.Contains("true fans"))));
        if (first.Provider == Membership.Data.DatabaseProvider.PostgreSql)
        {
            // One queue for both: each instance sees the other's job.
            Assert.Equal("Succeeded", State(triggered[0].Storage, triggered[1].JobId));
        }
    }

    private static string Detail(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        var history = storage.GetMonitoringApi().JobDetails(jobId)?.History ?? [];
        return string.Join(" | ", history.Select(h => h.StateName + ":" + string.Join(";", h.Data.Select(d => d.Key + "=" + d.Value))));
    }

    private static string? State(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetStateData(jobId)?.Name;
    }
}

/// <summary>
/// Tests whose hosts run Hangfire workers run alone: Hangfire keeps some configuration in
/// process-wide statics (the job activator), so a worker could otherwise build its job from
/// another test's host. One site per process, as in production, has no such neighbour.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HangfireWorkers
{
    public const string Name = "Hangfire workers";
}
