using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Membership.Data.Entities;
using Membership.Web.Domain;
using Microsoft.Data.Sqlite;

namespace Membership.Bench.DashboardLoad;

/// <summary>
/// The dashboard's figures (those metrics.json carries) from one hand-written SQLite query per
/// figure family over the whole range, on the site's own file: the baseline the site is measured
/// against. Months are keyed by <c>substr(date, 1, 7)</c> ('yyyy-MM', as EF stores dates as TEXT
/// 'yyyy-MM-dd HH:mm:ss.FFFFFFF'); everything else (running sums, the bridge's month of the
/// rates, retention shares) is a few lines of C# over the returned rows, timed with the queries.
/// </summary>
internal sealed class HandWrittenSql(string databasePath, Creator creator, DateOnly from, DateOnly to)
{
    /// <summary>The queries, in the order they run; <c>$creator</c>, <c>$threshold</c>, <c>$end</c>, <c>$bridgeStart</c>, <c>$from</c>.</summary>
    public static readonly (string Name, string Sql)[] Queries =
    [
        ("MRR/paid/true-fan deltas by month", """
            SELECT substr("OccurredAt", 1, 7),
                   SUM("MrrAfterMinor" - "MrrBeforeMinor"),
                   SUM(("MrrAfterMinor" > 0) - ("MrrBeforeMinor" > 0)),
                   SUM(("MrrAfterMinor" > 0 AND "CommitmentAfterMinor" >= $threshold) - ("MrrBeforeMinor" > 0 AND "CommitmentBeforeMinor" >= $threshold))
            FROM "MembershipChanges"
            WHERE "CreatorId" = $creator AND "OccurredAt" < $end
            GROUP BY 1
            """),
        ("followers by join month", """
            SELECT substr("JoinedAt", 1, 7), COUNT(*)
            FROM "Members"
            WHERE "CreatorId" = $creator AND "Status" <> 'Left' AND "JoinedAt" < $end
            GROUP BY 1
            """),
        // Per member-month: MRR before its first line (SQLite's bare column beside the one min()),
        // the net change, and whether a first paid start is among them; then the bridge per month.
        ("bridge (movements per member-month)", """
            SELECT "Month",
                   SUM(CASE WHEN "Was" = 0 AND "Now" > 0 AND "FirstPaid" THEN "Now" ELSE 0 END),
                   SUM(CASE WHEN "Was" = 0 AND "Now" > 0 AND "FirstPaid" THEN 1 ELSE 0 END),
                   SUM(CASE WHEN "Was" = 0 AND "Now" > 0 AND NOT "FirstPaid" THEN "Now" ELSE 0 END),
                   SUM(CASE WHEN "Was" = 0 AND "Now" > 0 AND NOT "FirstPaid" THEN 1 ELSE 0 END),
                   SUM(CASE WHEN "Was" > 0 AND "Now" > "Was" THEN "Now" - "Was" ELSE 0 END),
                   SUM(CASE WHEN "Was" > 0 AND "Now" <> 0 AND "Now" < "Was" THEN "Was" - "Now" ELSE 0 END),
                   SUM(CASE WHEN "Was" > 0 AND "Now" = 0 THEN "Was" ELSE 0 END),
                   SUM(CASE WHEN "Was" > 0 AND "Now" = 0 THEN 1 ELSE 0 END)
            FROM (
                SELECT "Month", "Was", "Was" + "Net" AS "Now", "FirstPaid"
                FROM (
                    SELECT substr("OccurredAt", 1, 7) AS "Month", MIN("OccurredAt"), "MrrBeforeMinor" AS "Was",
                           SUM("MrrAfterMinor" - "MrrBeforeMinor") AS "Net", SUM("Kind" = 'Started') > 0 AS "FirstPaid"
                    FROM "MembershipChanges"
                    WHERE "CreatorId" = $creator AND "OccurredAt" >= $bridgeStart AND "OccurredAt" < $end
                    GROUP BY "MemberId", 1))
            GROUP BY "Month"
            """),
        ("revenue by month", """
            SELECT substr("PaidAt", 1, 7), SUM("AmountMinor"), SUM("PlatformFeeMinor")
            FROM "Payments"
            WHERE "CreatorId" = $creator AND "PaidAt" >= $bridgeStart AND "PaidAt" < $end
            GROUP BY 1
            """),
        ("refunds by month", """
            SELECT substr("RefundedAt", 1, 7), SUM("AmountMinor")
            FROM "Refunds"
            WHERE "CreatorId" = $creator AND "RefundedAt" >= $bridgeStart AND "RefundedAt" < $end
            GROUP BY 1
            """),
        // Sizes (month NULL) and paid-count changes per (cohort, month), one statement.
        ("cohorts (sizes + paid changes)", """
            WITH "Firsts" AS MATERIALIZED (
                SELECT "MemberId", substr(MIN("OccurredAt"), 1, 7) AS "Cohort"
                FROM "MembershipChanges"
                WHERE "CreatorId" = $creator AND "MrrAfterMinor" > 0
                GROUP BY "MemberId"
                HAVING MIN("OccurredAt") >= $from AND MIN("OccurredAt") < $end)
            SELECT "Cohort", NULL, COUNT(*) FROM "Firsts" GROUP BY "Cohort"
            UNION ALL
            SELECT f."Cohort", substr(c."OccurredAt", 1, 7), SUM((c."MrrAfterMinor" > 0) - (c."MrrBeforeMinor" > 0))
            FROM "Firsts" AS f
            JOIN "MembershipChanges" AS c ON c."MemberId" = f."MemberId"
            WHERE c."CreatorId" = $creator AND c."OccurredAt" < $end
            GROUP BY 1, 2
            """),
        ("tiers (live subscriptions)", """
            SELECT t."Id", t."Name", s."Interval", s."UnitAmountMinor", s."Members", s."Count"
            FROM "Tiers" AS t
            LEFT JOIN (
                SELECT "TierId", "Interval", "UnitAmountMinor", COUNT(DISTINCT "MemberId") AS "Members", COUNT(*) AS "Count"
                FROM "Subscriptions"
                WHERE "CreatorId" = $creator AND "Status" IN ('active', 'past_due')
                GROUP BY 1, 2, 3) AS s ON s."TierId" = t."Id"
            WHERE t."CreatorId" = $creator
            ORDER BY t."SortOrder", t."Id"
            """),
        ("MRR at risk", """
            SELECT "Interval", "UnitAmountMinor", COUNT(*)
            FROM "Subscriptions"
            WHERE "CreatorId" = $creator AND "CancelAtPeriodEnd" AND "Status" IN ('active', 'past_due')
            GROUP BY 1, 2
            """),
    ];

    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly }.ToString();

    /// <summary>Runs every query (one pooled connection, as the site's EF uses) and builds the figures; per-query times in <paramref name="perQuery"/>.</summary>
    public async Task<Figures> RunAsync(double[] perQuery, CancellationToken cancellationToken)
    {
        var end = Text(Instant(to.AddMonths(1)));
        var earliest = from.AddMonths(-3);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        var results = new List<object?[]>[Queries.Length];
        for (var q = 0; q < Queries.Length; q++)
        {
            var start = Stopwatch.GetTimestamp();
            await using var command = connection.CreateCommand();
            command.CommandText = Queries[q].Sql;
            command.Parameters.AddWithValue("$creator", creator.Id);
            command.Parameters.AddWithValue("$threshold", creator.TrueFanThresholdMinor);
            command.Parameters.AddWithValue("$end", end);
            command.Parameters.AddWithValue("$bridgeStart", Text(Instant(earliest)));
            command.Parameters.AddWithValue("$from", Text(Instant(from)));
            var rows = new List<object?[]>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++)
                    {
                        row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    }

                    rows.Add(row);
                }
            }

            results[q] = rows;
            perQuery[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Build(results, earliest);
    }

    /// <summary>EF's SQLite text for a DateTime: what the site's parameters compare against.</summary>
    private static string Text(DateTime instant) => instant.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTime Instant(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    private static string Key(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static long L(object? value) => value is null ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private Figures Build(List<object?[]>[] results, DateOnly earliest)
    {
        var deltas = results[0].ToDictionary(r => (string)r[0]!, r => (Mrr: L(r[1]), Paid: L(r[2]), Fans: L(r[3])));
        var joined = results[1].ToDictionary(r => (string)r[0]!, r => L(r[1]));
        var bridgeRows = results[2].ToDictionary(r => (string)r[0]!, r => r.Skip(1).Select(L).ToArray());
        var revenue = results[3].ToDictionary(r => (string)r[0]!, r => (Gross: L(r[1]), Fees: L(r[2])));
        var refunds = results[4].ToDictionary(r => (string)r[0]!, r => L(r[1]));

        // Figures at the start of each month: the running sums of every earlier month's changes.
        var first = Key(earliest);
        long mrr = deltas.Where(d => string.CompareOrdinal(d.Key, first) < 0).Sum(d => d.Value.Mrr);
        long paid = deltas.Where(d => string.CompareOrdinal(d.Key, first) < 0).Sum(d => d.Value.Paid);
        long fans = deltas.Where(d => string.CompareOrdinal(d.Key, first) < 0).Sum(d => d.Value.Fans);
        long followers = joined.Where(d => string.CompareOrdinal(d.Key, first) < 0).Sum(d => d.Value);
        var atStart = new Dictionary<DateOnly, (long Mrr, long Paid, long Fans, long Followers)>();
        for (var month = earliest; month <= to.AddMonths(1); month = month.AddMonths(1))
        {
            atStart[month] = (mrr, paid, fans, followers);
            var d = deltas.GetValueOrDefault(Key(month));
            mrr += d.Mrr;
            paid += d.Paid;
            fans += d.Fans;
            followers += joined.GetValueOrDefault(Key(month));
        }

        var churnRates = new Dictionary<DateOnly, decimal?>();
        for (var month = earliest; month <= to; month = month.AddMonths(1))
        {
            var churned = bridgeRows.GetValueOrDefault(Key(month))?[7] ?? 0;
            churnRates[month] = atStart[month].Paid == 0 ? null : (decimal)churned / atStart[month].Paid;
        }

        var months = new List<MonthRow>();
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            var b = bridgeRows.GetValueOrDefault(Key(month)) ?? new long[8];
            var s = atStart[month];
            var e = atStart[month.AddMonths(1)];
            var arpu = Web.Domain.CreatorMetrics.RoundedDivide(e.Mrr, e.Paid);
            var rates = new[] { churnRates[month.AddMonths(-2)], churnRates[month.AddMonths(-1)], churnRates[month] }.Where(r => r is not null).Select(r => r!.Value).ToList();
            long? ltv = arpu is { } a && rates.Count > 0 && rates.Average() > 0 ? (long)Math.Round(a / rates.Average(), MidpointRounding.AwayFromZero) : null;
            long? fansNeeded = arpu is > 0 ? (long)Math.Ceiling(creator.YearlyGoalMinor / (12m * arpu.Value)) : null;
            var cash = revenue.GetValueOrDefault(Key(month));
            months.Add(new MonthRow(Key(month), new Dictionary<string, decimal?>
            {
                ["mrr_start"] = s.Mrr,
                ["mrr"] = e.Mrr,
                ["new_mrr"] = b[0],
                ["new_members"] = b[1],
                ["reactivation_mrr"] = b[2],
                ["reactivated_members"] = b[3],
                ["expansion_mrr"] = b[4],
                ["contraction_mrr"] = b[5],
                ["churn_mrr"] = b[6],
                ["churned_members"] = b[7],
                ["paid_members_start"] = s.Paid,
                ["paid_members"] = e.Paid,
                ["free_members"] = Math.Max(0, e.Followers - e.Paid),
                ["churn_rate"] = churnRates[month],
                ["mrr_churn_rate"] = s.Mrr == 0 ? null : (decimal)(b[6] + b[5]) / s.Mrr,
                ["arpu"] = arpu,
                ["ltv"] = ltv,
                ["revenue_gross"] = cash.Gross,
                ["refunds"] = refunds.GetValueOrDefault(Key(month)),
                ["platform_fees"] = cash.Fees,
                ["true_fans"] = e.Fans,
                ["fans_needed"] = fansNeeded,
            }));
        }

        // Cohorts: sizes (month NULL), then the paid count's changes per month since, cumulated.
        var sizes = results[5].Where(r => r[1] is null).ToDictionary(r => (string)r[0]!, r => L(r[2]));
        var changes = results[5].Where(r => r[1] is not null).ToDictionary(r => ((string)r[0]!, (string)r[1]!), r => L(r[2]));
        var cohorts = new List<CohortRow>();
        foreach (var (cohortKey, size) in sizes.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var cohort = DateOnly.ParseExact(cohortKey + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var running = 0L;
            var retention = new List<decimal>();
            for (var month = cohort; month <= to; month = month.AddMonths(1))
            {
                running += changes.GetValueOrDefault((cohortKey, Key(month)));
                retention.Add((decimal)running / size);
            }

            cohorts.Add(new CohortRow(cohortKey, size, retention));
        }

        var tiers = results[6].GroupBy(r => L(r[0]))
            .Select(g => new TierRow(g.Key, (string)g.First()[1]!, g.Sum(r => L(r[4])),
                g.Where(r => r[2] is not null).Sum(r => L(r[5]) * Membership.Web.Domain.Mrr.Monthly(Enum.Parse<BillingInterval>((string)r[2]!), L(r[3])))))
            .ToList();
        var atRisk = results[7].Sum(r => L(r[2]) * Membership.Web.Domain.Mrr.Monthly(Enum.Parse<BillingInterval>((string)r[0]!), L(r[1])));

        var total = deltas.Values.Aggregate((Mrr: 0L, Paid: 0L, Fans: 0L), (t, d) => (t.Mrr + d.Mrr, t.Paid + d.Paid, t.Fans + d.Fans));
        var lastMonth = months.FirstOrDefault(m => m.Month == Key(to.AddMonths(-1)));
        var now = new Dictionary<string, decimal?>
        {
            ["mrr"] = total.Mrr,
            ["paid_members"] = total.Paid,
            ["free_members"] = Math.Max(0, joined.Values.Sum() - total.Paid),
            ["mrr_at_risk"] = atRisk,
            ["arpu"] = Web.Domain.CreatorMetrics.RoundedDivide(total.Mrr, total.Paid),
            ["true_fans"] = total.Fans,
        };
        if (lastMonth is not null)
        {
            now["churn_rate"] = lastMonth.Values["churn_rate"];
            now["ltv"] = lastMonth.Values["ltv"];
        }

        return new Figures(months, cohorts, tiers, now);
    }

    internal sealed record MonthRow(string Month, Dictionary<string, decimal?> Values);

    internal sealed record CohortRow(string Month, long Size, List<decimal> Retention);

    internal sealed record TierRow(long TierId, string Name, long PaidMembers, long Mrr);

    internal sealed record Figures(List<MonthRow> Months, List<CohortRow> Cohorts, List<TierRow> Tiers, Dictionary<string, decimal?> Now)
    {
        /// <summary>Where these figures and the site's metrics.json differ ("months[2025-03].new_mrr: site 1200, SQL 1190"); empty when they agree.</summary>
        public List<string> Differences(string metricsJson)
        {
            var differences = new List<string>();
            using var document = JsonDocument.Parse(metricsJson);
            var root = document.RootElement;
            void Compare(string where, JsonElement site, decimal? sql)
            {
                decimal? value = site.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.Number => site.GetDecimal(),
                    _ => throw new BenchFailure($"metrics.json {where} is {site.ValueKind}, not a number"),
                };
                if (value != sql)
                {
                    differences.Add($"{where}: site {Show(value)}, SQL {Show(sql)}");
                }
            }

            var siteMonths = root.GetProperty("months").EnumerateArray().ToDictionary(m => m.GetProperty("month").GetString()!);
            if (siteMonths.Count != Months.Count)
            {
                differences.Add($"months: site {siteMonths.Count}, SQL {Months.Count}");
            }

            foreach (var month in Months)
            {
                if (!siteMonths.TryGetValue(month.Month, out var site))
                {
                    differences.Add($"months[{month.Month}]: missing from metrics.json");
                    continue;
                }

                foreach (var (name, value) in month.Values)
                {
                    Compare($"months[{month.Month}].{name}", site.GetProperty(name), value);
                }
            }

            var siteCohorts = root.GetProperty("cohorts").EnumerateArray().ToList();
            if (siteCohorts.Count != Cohorts.Count)
            {
                differences.Add($"cohorts: site {siteCohorts.Count}, SQL {Cohorts.Count}");
            }

            foreach (var (site, sql) in siteCohorts.Zip(Cohorts))
            {
                var where = $"cohorts[{sql.Month}]";
                if (site.GetProperty("month").GetString() != sql.Month)
                {
                    differences.Add($"{where}: site has {site.GetProperty("month").GetString()} there");
                    continue;
                }

                Compare(where + ".size", site.GetProperty("size"), sql.Size);
                var retention = site.GetProperty("retention").EnumerateArray().ToList();
                if (retention.Count != sql.Retention.Count)
                {
                    differences.Add($"{where}.retention: site {retention.Count} months, SQL {sql.Retention.Count}");
                    continue;
                }

                for (var k = 0; k < retention.Count; k++)
                {
                    Compare($"{where}.retention[{k}]", retention[k], sql.Retention[k]);
                }
            }

            var siteTiers = root.GetProperty("tiers").EnumerateArray().ToList();
            if (siteTiers.Count != Tiers.Count)
            {
                differences.Add($"tiers: site {siteTiers.Count}, SQL {Tiers.Count}");
            }

            foreach (var (site, sql) in siteTiers.Zip(Tiers))
            {
                var where = $"tiers[{sql.Name}]";
                Compare(where + ".tier_id", site.GetProperty("tier_id"), sql.TierId);
                Compare(where + ".paid_members", site.GetProperty("paid_members"), sql.PaidMembers);
                Compare(where + ".mrr", site.GetProperty("mrr"), sql.Mrr);
            }

            var siteNow = root.GetProperty("now");
            foreach (var (name, value) in Now)
            {
                Compare($"now.{name}", siteNow.GetProperty(name), value);
            }

            return differences;
        }

        /// <summary>How many single figures the comparison covers.</summary>
        public int FigureCount => Months.Sum(m => m.Values.Count) + Cohorts.Sum(c => 1 + c.Retention.Count) + Tiers.Count * 3 + Now.Count;

        private static string Show(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "null";
    }
}
