using System.Net;
using System.Text.Json;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Jobs;

/// <summary>The dashboard and metrics.json on the hand-worked history of <see cref="MonthlyReportTests"/>.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task MetricsJson_HandWorkedHistory_FiguresBridgeAndCohorts()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 4, 15, 12, 0, 0, TimeSpan.Zero));
        await using var site = new MembershipFactory { Clock = clock };
        var creator = await MonthlyReportTests.SeedAsync(site);
        var email = await site.WithDbAsync(db => db.Creators.Where(c => c.Id == creator).Select(c => c.User!.Email!).SingleAsync());
        using var browser = site.CreateBrowser();
        await browser.SignInAsync(email);

        var response = await browser.GetAsync("/creator/dashboard/metrics.json?from=2025-12&to=2026-03");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        using var json = JsonDocument.Parse(response.Html);
        var months = json.RootElement.GetProperty("months").EnumerateArray().ToList();
        Assert.Equal(["2025-12", "2026-01", "2026-02", "2026-03"], months.Select(m => m.GetProperty("month").GetString()));
        long previous = 0;
        foreach (var m in months)
        {
            long L(string name) => m.GetProperty(name).GetInt64();
            Assert.Equal(previous, L("mrr_start"));
            Assert.Equal(L("mrr"), L("mrr_start") + L("new_mrr") + L("reactivation_mrr") + L("expansion_mrr") - L("contraction_mrr") - L("churn_mrr"));
            previous = L("mrr");
        }

        var march = months[3];
        Assert.Equal(4800, march.GetProperty("mrr").GetInt64());
        Assert.Equal(1000, march.GetProperty("new_mrr").GetInt64());
        Assert.Equal(0.25m, march.GetProperty("churn_rate").GetDecimal());
        Assert.Equal(960, march.GetProperty("arpu").GetInt64());
        Assert.Equal(2304, march.GetProperty("ltv").GetInt64());
        Assert.Equal(3975, march.GetProperty("revenue_net").GetInt64());
        Assert.Equal("2080-03", march.GetProperty("projected_month").GetString());
        Assert.Equal(JsonValueKind.Null, months[0].GetProperty("churn_rate").ValueKind); // nobody paid at the start of December

        // Cohorts by first paid month: Dec D; Jan A, C; Feb B, F; Mar E (D's return is not a new cohort).
        var cohorts = json.RootElement.GetProperty("cohorts").EnumerateArray()
            .ToDictionary(c => c.GetProperty("month").GetString()!, c => (Size: c.GetProperty("size").GetInt32(), Retention: c.GetProperty("retention").EnumerateArray().Select(r => r.GetDecimal()).ToList()));
        Assert.Equal(1, cohorts["2025-12"].Size);
        Assert.Equal([1m, 0m, 0m, 1m], cohorts["2025-12"].Retention);
        Assert.Equal(2, cohorts["2026-01"].Size);
        Assert.Equal([1m, 1m, 0.5m], cohorts["2026-01"].Retention);
        Assert.Equal(2, cohorts["2026-02"].Size);
        Assert.Equal([1m, 1m], cohorts["2026-02"].Retention);
        Assert.Equal(1, cohorts["2026-03"].Size);
        Assert.Equal([1m], cohorts["2026-03"].Retention);

        var now = json.RootElement.GetProperty("now");
        Assert.Equal(4800, now.GetProperty("mrr").GetInt64());
        Assert.Equal(5, now.GetProperty("paid_members").GetInt32());
        Assert.Equal(3, now.GetProperty("true_fans").GetInt32());

        var page = await browser.GetAsync("/creator/dashboard?range=all");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("data-test=\"now-mrr\">$48.00<", page.Html);
        Assert.Contains("id=\"chart-bridge\"", page.Html);
        Assert.Contains("/lib/chart.js/chart.umd.js", page.Html);
        Assert.Contains("class=\"heat-5\">50\u00a0%", page.Text); // a no-break space: "50 %" never splits
        var chartJs = await browser.GetAsync("/lib/chart.js/chart.umd.js");
        Assert.Equal(HttpStatusCode.OK, chartJs.Status); // served by the site, no CDN
    }

    [Theory]
    [InlineData("/creator/dashboard/metrics.json?from=2026-13&to=2026-03")]
    [InlineData("/creator/dashboard/metrics.json?from=2026-04&to=2026-03")]
    [InlineData("/creator/dashboard/metrics.json?from=2010-01&to=2026-03")]
    [InlineData("/creator/dashboard?range=7")]
    public async Task BadRange_400WithReason(string url)
    {
        await using var site = new MembershipFactory();
        var creator = await MonthlyReportTests.SeedAsync(site);
        var email = await site.WithDbAsync(db => db.Creators.Where(c => c.Id == creator).Select(c => c.User!.Email!).SingleAsync());
        using var browser = site.CreateBrowser();
        await browser.SignInAsync(email);

        var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(string.IsNullOrWhiteSpace(response.Html));
    }

    [Fact]
    public async Task MetricsJson_ExtremeMalformedOrReversedMonths_400WithTheReason()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 4, 15, 12, 0, 0, TimeSpan.Zero));
        await using var site = new MembershipFactory { Clock = clock };
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        await browser.CreateCreatorPageAsync(Unique.Handle());
        var cases = new (string Query, string Reason)[]
        {
            ("from=9999-11&to=9999-12", "to: 9999-12 has not begun: the last month with figures is this one, 2026-04."),
            ("to=9999-12", "to: 9999-12 has not begun"),
            ("from=9999-12", "from: 9999-12 has not begun"),
            ("from=2026-05&to=2026-05", "has not begun"),
            ("from=2026-03&to=2026-01", "from must not be after to."),
            ("from=2026-13", "from: \"2026-13\" is not a month written yyyy-MM (e.g. 2026-04)."),
            ("from=2026-00", "is not a month written yyyy-MM"),
            ("to=2026-1", "to: \"2026-1\" is not a month written yyyy-MM"),
            ("from=26-01", "is not a month written yyyy-MM"),
            ("from=2026-01-15", "is not a month written yyyy-MM"),
            ("from=%2B2026-01", "\"+2026-01\" is not a month written yyyy-MM"),
            ("from=%202026-1", "is not a month written yyyy-MM"),
            ("from=march", "is not a month written yyyy-MM"),
            ("from=0001-01&to=2026-03", "from: 0001-01 is before 2000-01, the first month with figures."),
            ("to=1999-12", "to: 1999-12 is before 2000-01"),
            ("from=2000-01&to=2026-03", "At most 120 months at a time."),
        };

        foreach (var (query, reason) in cases)
        {
            var response = await browser.GetAsync("/creator/dashboard/metrics.json?" + query);

            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{query} answered {(int)response.Status}");
            using var json = JsonDocument.Parse(response.Html);
            Assert.Contains(reason, json.RootElement.GetProperty("error").GetString());
        }

        var fine = await browser.GetAsync("/creator/dashboard/metrics.json?from=2000-01&to=2009-12");
        Assert.Equal(HttpStatusCode.OK, fine.Status);
    }
}
