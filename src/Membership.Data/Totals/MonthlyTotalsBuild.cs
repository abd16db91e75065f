using System.Data;
using System.Data.Common;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Data.Totals;

/// <summary>
/// Builds a creator's monthly totals from their whole history by SQL aggregation, replacing what
/// is stored: for creators whose totals were never built (older data) and after the true-fan
/// threshold changed. Between builds, <see cref="MonthlyTotalsUpkeep"/> keeps them with every save.
/// </summary>
/// <remarks>
/// The build reads and replaces in one transaction that writers cannot slip through: SQLite's
/// single writer, PostgreSQL's repeatable read (a conflicting write makes the build fail and run
/// again), SQL Server's serializable isolation.
/// </remarks>
public static class MonthlyTotalsBuild
{
    /// <summary>Builds the creator's totals unless they are built (another node may have just done it).</summary>
    public static async Task BuildAsync(MembershipDbContext db, int creatorId, DateTime now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
                {
                    db.ChangeTracker.Clear();
                    await using var transaction = await db.Database.BeginTransactionAsync(Isolation(db), token);
                    if (await db.Creators.AnyAsync(c => c.Id == creatorId && c.TotalsBuiltAt != null, token))
                    {
                        return;
                    }

                    var sums = await ComputeAsync(db, creatorId, token);
                    await db.CohortMonthTotals.Where(t => t.CreatorId == creatorId).ExecuteDeleteAsync(token);
                    await db.CreatorMonthTotals.Where(t => t.CreatorId == creatorId).ExecuteDeleteAsync(token);
                    db.CreatorMonthTotals.AddRange(sums.Months.Values.Where(t => !MonthlyContributions.IsEmpty(t)));
                    db.CohortMonthTotals.AddRange(sums.Cohorts.Where(c => c.Value != 0).Select(c => new CohortMonthTotal
                    {
                        CreatorId = c.Key.CreatorId, CohortMonth = c.Key.CohortMonth, Month = c.Key.Month, PaidChange = c.Value,
                    }));
                    await db.SaveChangesAsync(token);
                    await db.Creators.Where(c => c.Id == creatorId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TotalsBuiltAt, now), token);
                    await transaction.CommitAsync(token);
                    db.ChangeTracker.Clear();
                }, cancellationToken);
                return;
            }
            catch (Exception exception) when (IsSerializationFailure(exception) && attempt < 5)
            {
                // PostgreSQL: a write committed while the build read; read again.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>PostgreSQL's 40001, possibly wrapped by EF's execution strategy.</summary>
    private static bool IsSerializationFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException { SqlState: "40001" })
            {
                return true;
            }
        }

        return false;
    }

    private static IsolationLevel Isolation(MembershipDbContext db) => db.Database.ProviderName switch
    {
        "Npgsql.EntityFrameworkCore.PostgreSQL" => IsolationLevel.RepeatableRead,
        _ => IsolationLevel.Serializable,
    };

    /// <summary>Every month's totals from the history, the ledger and the members, by aggregate queries.</summary>
    public static async Task<MonthlyContributions> ComputeAsync(MembershipDbContext db, int creatorId, CancellationToken cancellationToken)
    {
        var sums = new MonthlyContributions();
        var threshold = await db.Creators.Where(c => c.Id == creatorId).Select(c => c.TrueFanThresholdMinor).SingleAsync(cancellationToken);
        var history = db.MembershipChanges.Where(c => c.CreatorId == creatorId);

        var changes = await history
            .GroupBy(c => new { c.OccurredAt.Year, c.OccurredAt.Month })
            .Select(g => new
            {
                g.Key.Year,
                g.Key.Month,
                Mrr = g.Sum(c => c.MrrAfterMinor - c.MrrBeforeMinor),
                Paid = g.Sum(c => (c.MrrAfterMinor > 0 ? 1 : 0) - (c.MrrBeforeMinor > 0 ? 1 : 0)),
                Fans = g.Sum(c => (c.MrrAfterMinor > 0 && c.CommitmentAfterMinor >= threshold ? 1 : 0)
                    - (c.MrrBeforeMinor > 0 && c.CommitmentBeforeMinor >= threshold ? 1 : 0)),
            })
            .ToListAsync(cancellationToken);
        foreach (var change in changes)
        {
            var total = sums.Month(creatorId, MonthKey.Of(change.Year, change.Month));
            total.MrrChangeMinor = change.Mrr;
            total.PaidChange = change.Paid;
            total.TrueFanChange = change.Fans;
        }

        var followers = await db.Members
            .Where(m => m.CreatorId == creatorId && m.Status != MemberStatus.Left)
            .GroupBy(m => new { m.JoinedAt.Year, m.JoinedAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Count = g.Count() })
            .ToListAsync(cancellationToken);
        foreach (var joined in followers)
        {
            sums.Month(creatorId, MonthKey.Of(joined.Year, joined.Month)).FollowersJoined = joined.Count;
        }

        // Each member's movement per month: MRR at the start (their first line's "before"), the net change, a first start.
        var movements = await history
            .GroupBy(c => new { c.MemberId, c.OccurredAt.Year, c.OccurredAt.Month })
            .Select(g => new
            {
                g.Key.Year,
                g.Key.Month,
                Before = g.OrderBy(c => c.OccurredAt).ThenBy(c => c.Id).Select(c => c.MrrBeforeMinor).First(),
                Net = g.Sum(c => c.MrrAfterMinor - c.MrrBeforeMinor),
                FirstPaid = g.Any(c => c.Kind == MembershipChangeKind.Started),
            })
            .ToListAsync(cancellationToken);
        foreach (var movement in movements)
        {
            MonthlyContributions.AddMovement(sums.Month(creatorId, MonthKey.Of(movement.Year, movement.Month)),
                movement.Before, movement.Before + movement.Net, movement.FirstPaid, +1);
        }

        var revenue = await db.Payments
            .Where(p => p.CreatorId == creatorId)
            .GroupBy(p => new { p.PaidAt.Year, p.PaidAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Gross = g.Sum(p => p.AmountMinor), Fees = g.Sum(p => p.PlatformFeeMinor) })
            .ToListAsync(cancellationToken);
        foreach (var month in revenue)
        {
            var total = sums.Month(creatorId, MonthKey.Of(month.Year, month.Month));
            total.GrossMinor = month.Gross;
            total.PlatformFeesMinor = month.Fees;
        }

        var refunds = await db.Refunds
            .Where(r => r.CreatorId == creatorId)
            .GroupBy(r => new { r.RefundedAt.Year, r.RefundedAt.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Amount = g.Sum(r => r.AmountMinor) })
            .ToListAsync(cancellationToken);
        foreach (var month in refunds)
        {
            sums.Month(creatorId, MonthKey.Of(month.Year, month.Month)).RefundsMinor = month.Amount;
        }

        // Cohorts: a member's first month with a paid line, and the paid changes of its members per month.
        var firsts = history.Where(c => c.MrrAfterMinor > 0)
            .GroupBy(c => c.MemberId)
            .Select(g => new { MemberId = g.Key, First = g.Min(c => c.OccurredAt) });
        var sizes = await firsts
            .GroupBy(f => new { f.First.Year, f.First.Month })
            .Select(g => new { g.Key.Year, g.Key.Month, Size = g.Count() })
            .ToListAsync(cancellationToken);
        foreach (var size in sizes)
        {
            sums.Month(creatorId, MonthKey.Of(size.Year, size.Month)).FirstPaidMembers = size.Size;
        }

        var cells = await (
                from c in history
                join f in firsts on c.MemberId equals f.MemberId
                group c by new { CohortYear = f.First.Year, CohortMonth = f.First.Month, c.OccurredAt.Year, c.OccurredAt.Month } into g
                select new
                {
                    g.Key.CohortYear,
                    g.Key.CohortMonth,
                    g.Key.Year,
                    g.Key.Month,
                    Paid = g.Sum(c => (c.MrrAfterMinor > 0 ? 1 : 0) - (c.MrrBeforeMinor > 0 ? 1 : 0)),
                })
            .ToListAsync(cancellationToken);
        foreach (var cell in cells)
        {
            sums.AddCohort(creatorId, MonthKey.Of(cell.CohortYear, cell.CohortMonth), MonthKey.Of(cell.Year, cell.Month), cell.Paid);
        }

        return sums;
    }
}
