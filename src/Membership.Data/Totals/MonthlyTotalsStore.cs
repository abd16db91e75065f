using System.Globalization;
using System.Text;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Data.Totals;

/// <summary>
/// Adds sums to the totals rows in place: one upsert per row that adds to what is stored
/// ("INSERT … ON CONFLICT DO UPDATE" on SQLite and PostgreSQL; UPDATE under a key-range lock, then
/// INSERT when there was no row, on SQL Server), so two transactions adding to the same month
/// both count.
/// </summary>
internal static class MonthlyTotalsStore
{
    private static readonly string[] MonthColumns =
    [
        nameof(CreatorMonthTotal.MrrChangeMinor), nameof(CreatorMonthTotal.PaidChange), nameof(CreatorMonthTotal.TrueFanChange),
        nameof(CreatorMonthTotal.FollowersJoined), nameof(CreatorMonthTotal.NewMrrMinor), nameof(CreatorMonthTotal.ReactivationMrrMinor),
        nameof(CreatorMonthTotal.ExpansionMrrMinor), nameof(CreatorMonthTotal.ContractionMrrMinor), nameof(CreatorMonthTotal.ChurnMrrMinor),
        nameof(CreatorMonthTotal.NewMembers), nameof(CreatorMonthTotal.ReactivatedMembers), nameof(CreatorMonthTotal.ChurnedMembers),
        nameof(CreatorMonthTotal.FirstPaidMembers), nameof(CreatorMonthTotal.GrossMinor), nameof(CreatorMonthTotal.PlatformFeesMinor),
        nameof(CreatorMonthTotal.RefundsMinor),
    ];

    private static object[] MonthValues(CreatorMonthTotal t) =>
    [
        t.MrrChangeMinor, t.PaidChange, t.TrueFanChange, t.FollowersJoined, t.NewMrrMinor, t.ReactivationMrrMinor, t.ExpansionMrrMinor,
        t.ContractionMrrMinor, t.ChurnMrrMinor, t.NewMembers, t.ReactivatedMembers, t.ChurnedMembers, t.FirstPaidMembers, t.GrossMinor,
        t.PlatformFeesMinor, t.RefundsMinor,
    ];

    // The statements, written once: [0] SQLite and PostgreSQL, [1] SQL Server.
    private static readonly string[] MonthUpserts =
        [.. new[] { false, true }.Select(sqlServer => Upsert(sqlServer, "CreatorMonthTotals", ["CreatorId", "Month"], MonthColumns))];

    private static readonly string[] CohortUpserts =
        [.. new[] { false, true }.Select(sqlServer => Upsert(sqlServer, "CohortMonthTotals", ["CreatorId", "CohortMonth", "Month"], ["PaidChange"]))];

    public static async Task AddAsync(MembershipDbContext db, MonthlyContributions sums, CancellationToken cancellationToken)
    {
        var dialect = db.Database.ProviderName == "Microsoft.EntityFrameworkCore.SqlServer" ? 1 : 0;
        var (monthSql, cohortSql) = (MonthUpserts[dialect], CohortUpserts[dialect]);

        // A fixed order, so two transactions touching the same rows lock them in the same order.
        foreach (var total in sums.Months.Values.Where(t => !MonthlyContributions.IsEmpty(t)).OrderBy(t => t.CreatorId).ThenBy(t => t.Month))
        {
            await db.Database.ExecuteSqlRawAsync(monthSql, [total.CreatorId, total.Month, .. MonthValues(total)], cancellationToken);
        }

        foreach (var ((creatorId, cohortMonth, month), paidChange) in sums.Cohorts.Where(c => c.Value != 0).OrderBy(c => c.Key))
        {
            await db.Database.ExecuteSqlRawAsync(cohortSql, [creatorId, cohortMonth, month, paidChange], cancellationToken);
        }
    }

    /// <summary>The statement, with {0}… placeholders: the key columns first, then the columns added to.</summary>
    private static string Upsert(bool sqlServer, string table, string[] keys, string[] columns)
    {
        var all = keys.Concat(columns).ToArray();
        string P(string column) => "{" + Array.IndexOf(all, column).ToString(CultureInfo.InvariantCulture) + "}";
        var sql = new StringBuilder();
        if (sqlServer)
        {
            sql.Append(CultureInfo.InvariantCulture, $"UPDATE [{table}] WITH (UPDLOCK, SERIALIZABLE) SET ")
                .AppendJoin(", ", columns.Select(c => $"[{c}] = [{c}] + {P(c)}"))
                .Append(" WHERE ").AppendJoin(" AND ", keys.Select(k => $"[{k}] = {P(k)}"))
                .Append(CultureInfo.InvariantCulture, $"; IF @@ROWCOUNT = 0 INSERT INTO [{table}] (")
                .AppendJoin(", ", all.Select(c => $"[{c}]")).Append(") VALUES (").AppendJoin(", ", all.Select(P)).Append(");");
        }
        else
        {
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO \"{table}\" (").AppendJoin(", ", all.Select(c => $"\"{c}\""))
                .Append(") VALUES (").AppendJoin(", ", all.Select(P))
                .Append(") ON CONFLICT (").AppendJoin(", ", keys.Select(k => $"\"{k}\"")).Append(") DO UPDATE SET ")
                .AppendJoin(", ", columns.Select(c => $"\"{c}\" = \"{table}\".\"{c}\" + excluded.\"{c}\""));
        }

        return sql.ToString();
    }
}
