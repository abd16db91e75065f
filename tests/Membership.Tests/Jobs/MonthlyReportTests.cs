using Membership.Data;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Metrics;
using Membership.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Jobs;

/// <summary>
/// The "1,000 true fans" report for March 2026 of a creator whose history is written here, with
/// every figure worked out by hand (docs/metrics.md).
/// </summary>
/// <remarks>
/// A: $5 from 5 Jan, upgraded to $15 on 10 Mar.       → start 500, end 1500: expansion 1000
/// B: $120 a year from 2 Feb (MRR 1000).              → 1000 at both ends
/// C: $8 from 20 Jan, past due 20 Feb, ended 5 Mar.    → churn 800
/// D: $5 from 1 Dec 2025, ended 31 Jan, back at $8 on 15 Mar → reactivation 800
/// E: $10 from 20 Mar.                                 → new 1000
/// F: $15 from 10 Feb, down to $5 on 25 Mar.           → contraction 1000
/// G: free follower.
/// MRR 3800 → 4800 = 3800 + 1000 + 800 + 1000 − 1000 − 800. Paid 4 → 5, churned 1: churn rate 25 %.
/// ARPU 4800 / 5 = 960. Churn rates: Jan 1/1 (D), Feb 0/2, Mar 1/4 → average 5/12 → LTV 960 ÷ 5/12 = 2304.
/// True fans (≥ $100 a year): start B, F = 2; end A (180), B (120), E (120) = 3.
/// Fans needed for a $100,000 goal: ceil(10,000,000 / (12 × 960)) = 869. Paid at the end of Dec: D = 1,
/// growth (5 − 1) / 3; projected: March 2026 + ceil(864 × 3 / 4) = 648 months → March 2080.
/// Revenue in March: 500 + 700 + 800 + 1000 + 1500 = 4500 gross, 300 refunded, 225 fees, 3975 net.
/// Free members: 7 followers − 5 paid = 2.
/// </remarks>
public sealed class MonthlyReportTests
{
    private static readonly DateOnly March = new(2026, 3, 1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Figures_KnownHistory_EqualTheHandWorkedOnes(bool totalsBuiltFromHistory)
    {
        await using var site = new MembershipFactory();
        var creator = await SeedAsync(site);
        // The totals kept with each write, or built again from the whole history (as after a threshold change).
        await site.WithDbAsync(db => db.Creators.Where(c => c.Id == creator)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.TotalsBuiltAt, totalsBuiltFromHistory ? null : DateTime.UtcNow)));

        await using var scope = site.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var figures = await scope.ServiceProvider.GetRequiredService<CreatorMetrics>()
            .ForMonthAsync(await db.Creators.SingleAsync(c => c.Id == creator), March, CancellationToken.None);
        Assert.NotNull(await db.Creators.Where(c => c.Id == creator).Select(c => c.TotalsBuiltAt).SingleAsync());

        Assert.Equal(3800, figures.MrrStart);
        Assert.Equal(4800, figures.MrrEnd);
        Assert.Equal(4800 * 12, figures.Arr);
        Assert.Equal((1000, 800, 1000, 1000, 800), (figures.NewMrr, figures.ReactivationMrr, figures.ExpansionMrr, figures.ContractionMrr, figures.ChurnMrr));
        Assert.True(figures.BridgeCloses);
        Assert.Equal((1, 1, 1), (figures.NewMembers, figures.ReactivatedMembers, figures.ChurnedMembers));
        Assert.Equal((4, 5, 2), (figures.PaidMembersStart, figures.PaidMembersEnd, figures.FreeMembersEnd));
        Assert.Equal(0.25m, figures.ChurnRate);
        Assert.Equal(1800m / 3800m, figures.MrrChurnRate);
        Assert.Equal(960, figures.Arpu);
        Assert.Equal(2304, figures.Ltv);
        Assert.Equal((4500, 300, 225, 3975), (figures.RevenueGross, figures.Refunds, figures.PlatformFees, figures.RevenueNet));
        Assert.Equal((2, 3, 1), (figures.TrueFansStart, figures.TrueFansEnd, figures.TrueFansChange));
        Assert.Equal(869, figures.FansNeeded);
        Assert.Equal(new DateOnly(2080, 3, 1), figures.ProjectedMonth);
        Assert.False(figures.NotAtCurrentPace);
    }

    [Fact]
    public async Task Totals_KeptWithEachWrite_EqualTheOnesBuiltFromTheHistory()
    {
        await using var site = new MembershipFactory();
        var creator = await SeedAsync(site);

        await site.WithDbAsync(db => MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator));
    }

    [Fact]
    public async Task Totals_FollowerLeavesAndThresholdChanges_FiguresFollow()
    {
        await using var site = new MembershipFactory();
        var creator = await SeedAsync(site);
        async Task<MonthFigures> MarchAsync()
        {
            await using var scope = site.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            return await scope.ServiceProvider.GetRequiredService<CreatorMetrics>()
                .ForMonthAsync(await db.Creators.SingleAsync(c => c.Id == creator), March, CancellationToken.None);
        }

        Assert.Equal((2, 3), ((await MarchAsync()).FreeMembersEnd, (await MarchAsync()).TrueFansEnd));

        // A free follower leaves: one free member fewer, as the history says.
        await site.WithDbAsync(async db =>
        {
            var follower = await db.Members.FirstAsync(m => m.CreatorId == creator && m.Status == MemberStatus.Following);
            follower.Status = MemberStatus.Left;
            await db.SaveChangesAsync();
            await MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator);
        });
        Assert.Equal(1, (await MarchAsync()).FreeMembersEnd);

        // The creator lowers the true-fan threshold to $50 a year: every paying member (at least $60) is one now.
        await using (var scope = site.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var page = await db.Creators.SingleAsync(c => c.Id == creator);
            var (_, errors) = await scope.ServiceProvider.GetRequiredService<Membership.Web.Features.Creators.CreatorProfileHandler>().SaveAsync(page.UserId, page,
                new Membership.Web.Features.Creators.CreatorProfileRequest { Handle = page.Handle, DisplayName = page.DisplayName, Currency = "USD", YearlyGoal = "100000", TrueFanThreshold = "50" });
            Assert.False(errors.Any);
        }

        var march = await MarchAsync();
        Assert.Equal((5, 5), (march.PaidMembersEnd, march.TrueFansEnd));
        await site.WithDbAsync(db => MonthlyTotalsCheck.KeptTotalsEqualBuiltAsync(db, creator));
    }

    [Fact]
    public async Task MonthlyJob_RunTwiceAndConcurrently_OneEmailWithTheFigures_PageShowsThem()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 4, 1, 6, 0, 0, TimeSpan.Zero));
        await using var site = new MembershipFactory { Clock = clock };
        var creator = await SeedAsync(site);
        var email = await site.WithDbAsync(db => db.Creators.Where(c => c.Id == creator).Select(c => c.User!.Email!).SingleAsync());

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendReportsAsync(site)));
        Assert.Equal(1, runs.Sum());
        Assert.Equal(0, await SendReportsAsync(site));

        var report = site.Mailbox.WaitFor(email, "Studio in March 2026: $48.00 MRR, 3 true fans");
        Assert.Contains("MRR            $48.00 (was $38.00)", report.TextBody);
        Assert.Contains("Fans needed at today's ARPU to reach your goal: 869", report.TextBody);
        Assert.Contains("Projected: March 2080", report.TextBody);
        Assert.Contains("$45.00 gross, $3.00 refunded, $2.25 fees, $39.75 net", report.TextBody);
        Assert.Contains("width=\"0%\"", report.HtmlBody); // 3 of 1,000 true fans: the bar is empty
        Assert.DoesNotContain("<script", report.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await site.WithDbAsync(db => db.OutboxEmails.CountAsync(e => e.To == email)));

        using var browser = site.CreateBrowser();
        await browser.SignInAsync(email);
        var page = await browser.GetAsync("/creator/reports/2026-03");
        Assert.Contains("data-test=\"mrr\"><strong>$48.00</strong>", page.Html);
        Assert.Contains("data-test=\"churn-rate\">25 %", page.Html);
        Assert.Contains("data-test=\"projected\">March 2080", page.Html);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await browser.GetAsync("/creator/reports/2026-04")).Status);
    }

    private static async Task<int> SendReportsAsync(MembershipFactory site)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MonthlyReports>().SendAsync(CancellationToken.None);
    }

    /// <summary>Writes the history in the class remarks; returns the creator's id.</summary>
    internal static async Task<int> SeedAsync(MembershipFactory site)
    {
        var ownerEmail = Unique.Email("studio");
        await site.CreateConfirmedAsync(ownerEmail, name: "Studio Owner");
        return await site.WithDbAsync(async db =>
        {
            var owner = await db.Users.SingleAsync(u => u.Email == ownerEmail);
            var creator = new Creator
            {
                UserId = owner.Id, Handle = Unique.Handle("s"), DisplayName = "Studio", Currency = "USD",
                YearlyGoalMinor = 10_000_000, TrueFanThresholdMinor = 10_000,
                CreatedAt = new DateTime(2025, 11, 1, 0, 0, 0, DateTimeKind.Utc), UpdatedAt = new DateTime(2025, 11, 1, 0, 0, 0, DateTimeKind.Utc),
            };
            db.Creators.Add(creator);
            db.Tiers.Add(new Tier { Creator = creator, Name = "Any", NormalizedName = "ANY", MonthlyPriceMinor = 500, CreatedAt = creator.CreatedAt, UpdatedAt = creator.CreatedAt });
            await db.SaveChangesAsync();

            var members = new Dictionary<char, Member>();
            foreach (var letter in "ABCDEFG")
            {
                var user = new AppUser { UserName = Unique.Email(letter.ToString()), DisplayName = "Fan " + letter, CreatedAt = creator.CreatedAt };
                user.Email = user.UserName;
                user.NormalizedEmail = user.NormalizedUserName = user.UserName.ToUpperInvariant();
                db.Users.Add(user);
                members[letter] = new Member
                {
                    Creator = creator, User = user, Status = MemberStatus.Following,
                    JoinedAt = new DateTime(2025, 11, 15, 0, 0, 0, DateTimeKind.Utc), UpdatedAt = creator.CreatedAt,
                };
                db.Members.Add(members[letter]);
            }

            var commitments = new Dictionary<char, long>();
            void Line(char who, MembershipChangeKind kind, int year, int month, int day, long before, long after, long commitment)
            {
                db.MembershipChanges.Add(new MembershipChange
                {
                    CreatorId = creator.Id, Member = members[who], Kind = kind, MrrBeforeMinor = before, MrrAfterMinor = after,
                    CommitmentBeforeMinor = commitments.GetValueOrDefault(who), CommitmentAfterMinor = commitment, Currency = "USD",
                    OccurredAt = new DateTime(year, month, day, 12, 0, 0, DateTimeKind.Utc),
                });
                commitments[who] = commitment;
            }

            Line('A', MembershipChangeKind.Started, 2026, 1, 5, 0, 500, 6000);
            Line('A', MembershipChangeKind.Upgraded, 2026, 3, 10, 500, 1500, 18000);
            Line('B', MembershipChangeKind.Started, 2026, 2, 2, 0, 1000, 12000);
            Line('C', MembershipChangeKind.Started, 2026, 1, 20, 0, 800, 9600);
            Line('C', MembershipChangeKind.PastDue, 2026, 2, 20, 800, 800, 9600);
            Line('C', MembershipChangeKind.Ended, 2026, 3, 5, 800, 0, 0);
            Line('D', MembershipChangeKind.Started, 2025, 12, 1, 0, 500, 6000);
            Line('D', MembershipChangeKind.Ended, 2026, 1, 31, 500, 0, 0);
            Line('D', MembershipChangeKind.Reactivated, 2026, 3, 15, 0, 800, 9600);
            Line('E', MembershipChangeKind.Started, 2026, 3, 20, 0, 1000, 12000);
            Line('F', MembershipChangeKind.Started, 2026, 2, 10, 0, 1500, 18000);
            Line('F', MembershipChangeKind.Downgraded, 2026, 3, 25, 1500, 500, 6000);

            Payment Paid(char who, long amount, int month, int day) => new()
            {
                StripeInvoiceId = "in_" + Guid.NewGuid().ToString("N"), CreatorId = creator.Id, Member = members[who], AmountMinor = amount,
                PlatformFeeMinor = amount / 20, Currency = "USD", BillingReason = "subscription_cycle",
                PaidAt = new DateTime(2026, month, day, 12, 0, 0, DateTimeKind.Utc),
            };
            var refunded = Paid('E', 1000, 3, 20);
            db.Payments.AddRange(Paid('B', 12000, 2, 2), Paid('A', 500, 3, 5), Paid('A', 700, 3, 10), Paid('D', 800, 3, 15), refunded, Paid('F', 1500, 3, 10));
            db.Refunds.Add(new Refund
            {
                StripeRefundId = "re_" + Guid.NewGuid().ToString("N"), Payment = refunded, CreatorId = creator.Id, AmountMinor = 300, Currency = "USD",
                RefundedAt = new DateTime(2026, 3, 28, 12, 0, 0, DateTimeKind.Utc),
            });
            await db.SaveChangesAsync();
            return creator.Id;
        });
    }
}
