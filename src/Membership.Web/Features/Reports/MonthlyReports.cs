using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Reports;

/// <summary>
/// On the first day of each month (UTC; <c>reports:monthly</c>): every creator with tiers gets the
/// "1,000 true fans" report of the month that ended. The report row (unique per creator and
/// month) is saved with the email, so each creator gets one per month however often, and on
/// however many nodes, the job runs.
/// </summary>
public sealed class MonthlyReports(IServiceScopeFactory scopes, OutboxEmailSender outbox, EmailTemplates templates, TimeProvider clock, ILogger<MonthlyReports> logger)
{
    public const string RecurringJobId = "reports:monthly";

    public async Task<int> SendAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var month = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        List<int> creatorIds;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var monthStart = CreatorMetrics.Instant(month);
            creatorIds = await db.Creators
                .Where(c => db.Tiers.Any(t => t.CreatorId == c.Id) && !db.MonthlyReports.Any(r => r.CreatorId == c.Id && r.Month == monthStart))
                .Select(c => c.Id).ToListAsync(cancellationToken);
        }

        var sent = 0;
        var failures = new List<Exception>();
        foreach (var creatorId in creatorIds)
        {
            try
            {
                sent += await SendOneAsync(creatorId, month, cancellationToken) ? 1 : 0;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The others still get theirs; the job then fails so Hangfire retries the missing ones.
                logger.LogError(exception, "Monthly report for creator {CreatorId} failed", creatorId);
                failures.Add(exception);
            }
        }

        logger.LogInformation("Sent {Count} monthly reports for {Month}", sent, month);
        if (failures.Count > 0)
        {
            throw new AggregateException($"{failures.Count} monthly reports for {month:yyyy-MM} failed; a retry sends them.", failures);
        }

        return sent;
    }

    private async Task<bool> SendOneAsync(int creatorId, DateOnly month, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var links = scope.ServiceProvider.GetRequiredService<PublicLinks>();
        var creator = await db.Creators.Include(c => c.User).SingleAsync(c => c.Id == creatorId, cancellationToken);
        if (creator.User?.Email is null)
        {
            return false;
        }

        var figures = new ReportFigures(await scope.ServiceProvider.GetRequiredService<CreatorMetrics>().ForMonthAsync(creator, month, cancellationToken));
        var url = links.Absolute($"/creator/reports/{month:yyyy-MM}");
        db.MonthlyReports.Add(new MonthlyReport { CreatorId = creatorId, Month = CreatorMetrics.Instant(month), SentAt = clock.GetUtcNow().UtcDateTime });
        var row = outbox.Stage(db, templates.Render("monthly-report", creator.User.Email, figures.EmailValues(creator.User.DisplayName, creator.DisplayName, url)));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another run (or node) sent this month's report first.
            return false;
        }

        outbox.Notify([row]);
        return true;
    }
}
