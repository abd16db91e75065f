using System.Net;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Tests.Billing;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Tests.Members;

/// <summary>The roster at /creator/members: statuses from real billing, filters, keyset pages, CSV export, and only one's own members.</summary>
public sealed partial class RosterTests
{
    [Fact]
    public async Task Statuses_FromBilling_FilterAndExportAgree()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var active = await billing.FanAsync("active");
        var yearly = await billing.FanAsync("yearly");
        var cancelling = await billing.FanAsync("cancelling");
        var follower = await billing.FanAsync("follower");
        await active.JoinAsync(creator, "Bronze");
        await yearly.JoinAsync(creator, "Gold", "year");
        var leaving = await cancelling.JoinAsync(creator, "Gold");
        await new SubscriptionService(billing.Stripe).UpdateAsync(leaving.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await billing.SettleAsync();
        await follower.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/follow", []);

        async Task<List<string>> EmailsAsync(string query)
        {
            var page = await creator.Browser.GetAsync("/creator/members" + query);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var emails = RowEmail().Matches(page.Html).Select(m => m.Groups[1].Value).ToList();
            Assert.Contains($"data-test=\"roster-total\">{emails.Count}<", page.Html);
            return emails;
        }

        Assert.Equal(4, (await EmailsAsync("")).Count);
        Assert.Equal(new[] { active.Email, yearly.Email }.Order(), (await EmailsAsync("?status=active")).Order());
        Assert.Equal([cancelling.Email], await EmailsAsync("?status=cancelling"));
        Assert.Equal([follower.Email], await EmailsAsync("?status=free"));
        Assert.Equal([yearly.Email], await EmailsAsync("?interval=year"));
        Assert.Equal(new[] { cancelling.Email, yearly.Email }.Order(), (await EmailsAsync($"?tier={creator.Tiers["Gold"]}")).Order());
        Assert.Equal([yearly.Email], await EmailsAsync("?sort=paid&status=active&q=" + Uri.EscapeDataString("YEARLY")));
        Assert.Equal(yearly.Email, (await EmailsAsync("?sort=paid"))[0]); // $150 paid, the most

        var csv = await creator.Browser.GetAsync("/creator/members/export.csv?status=active");
        Assert.Equal("text/csv; charset=utf-8", csv.Response.Content.Headers.ContentType!.ToString());
        var lines = csv.Html.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("email,name,status,tier,interval,joined_at,lifetime_paid,currency,complimentary_until", lines[0].TrimEnd('\r'));
        Assert.Equal(2, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith(yearly.Email + ",Fan yearly,active,Gold,year,", StringComparison.Ordinal) && l.Contains(",150.00,USD,"));

        // A fan who renames their account is found, and sorted, by the new name.
        Assert.Equal(HttpStatusCode.Redirect, (await follower.Browser.SubmitAsync("/account/settings", "/account/settings/profile",
            new Dictionary<string, string> { ["Profile.DisplayName"] = "Aardvark Follower" })).Status);
        Assert.Equal(follower.Email, (await EmailsAsync("?sort=name"))[0]);
        Assert.Equal([follower.Email], await EmailsAsync("?q=aardvark"));
        Assert.Contains("Aardvark Follower", (await creator.Browser.GetAsync("/creator/members?sort=name")).Html);
    }

    [Fact]
    public async Task UnknownFilterValues_400WithTheReason_OnThePageAndTheExport()
    {
        await using var site = new MembershipFactory();
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        await owner.CreateTierAsync(TestBrowser.TierFields("Mine"));
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        var otherHandle = Unique.Handle();
        await other.CreateCreatorPageAsync(otherHandle);
        await other.CreateTierAsync(TestBrowser.TierFields("Theirs"));
        var mine = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).Select(t => t.Id).SingleAsync());
        var theirs = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == otherHandle).Select(t => t.Id).SingleAsync());
        var cases = new (string Query, string Reason)[]
        {
            ("tier=abc", "Unknown tier \"abc\": use the id of one of your tiers."),
            ("tier=1.5", "Unknown tier \"1.5\""),
            ("tier=99999999999", "Unknown tier \"99999999999\""),
            ($"tier={theirs}", $"Unknown tier \"{theirs}\""),
            ("status=vip", "Unknown status \"vip\": use active, past-due, cancelling, ended, free, complimentary."),
            ("status=Active", "Unknown status \"Active\""),
            ("status=free&status=active", "Give status once."),
            ("interval=week", "Interval is month or year."),
            ("sort=price", "Sort by joined, paid or name."),
            ("joinedFrom=2026-13-01", "\"2026-13-01\" is not a date (yyyy-mm-dd)."),
            ("joinedTo=yesterday", "\"yesterday\" is not a date (yyyy-mm-dd)."),
            ("joinedFrom=2026-03-01&joinedTo=2026-01-01", "joinedFrom must not be after joinedTo."),
            ("after=%25%25%25", "The page cursor is not valid"),
        };

        foreach (var (query, reason) in cases)
        {
            foreach (var path in new[] { "/creator/members?", "/creator/members/export.csv?" })
            {
                var page = await owner.GetAsync(path + query);

                Assert.True(page.Status == HttpStatusCode.BadRequest, $"{path}{query} answered {(int)page.Status}");
                Assert.Contains(reason, page.Text);
            }
        }

        foreach (var query in new[] { $"tier={mine}", "joinedTo=9999-12-31", "joinedFrom=0001-01-01&joinedTo=9999-12-31", "status=&tier=&interval=" })
        {
            Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/creator/members?" + query)).Status);
            Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/creator/members/export.csv?" + query)).Status);
        }

        var export = await owner.GetAsync("/creator/members/export.csv");
        Assert.True(export.Response.Headers.CacheControl?.NoStore, "the export of members' addresses must not be cached");
    }

    [Fact]
    public async Task KeysetPages_EveryMemberOnce_InOrder_AndOthersMembersAre404()
    {
        await using var site = new MembershipFactory();
        using var owner = site.CreateBrowser();
        var ownerEmail = Unique.Email("owner");
        await owner.RegisterAsync(ownerEmail);
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await site.WithDbAsync(async db =>
        {
            var creator = await db.Creators.SingleAsync(c => c.Handle == handle);
            for (var i = 0; i < 123; i++)
            {
                var user = new AppUser { UserName = $"m{i:000}-{handle}@example.test", DisplayName = $"=Member {i:000}", CreatedAt = start };
                user.Email = user.UserName;
                user.NormalizedEmail = user.NormalizedUserName = user.UserName.ToUpperInvariant();
                db.Members.Add(new Member
                {
                    Creator = creator, User = user, Status = MemberStatus.Following,
                    JoinedAt = start.AddHours(i / 2), // pairs share a joined time: the id breaks the tie
                    LifetimePaidMinor = i % 7 * 100, UpdatedAt = start,
                });
            }

            await db.SaveChangesAsync();
        });

        foreach (var sort in new[] { "joined", "paid", "name" })
        {
            var pages = new List<List<string>>();
            string? next = $"/creator/members?sort={sort}";
            Page? last = null;
            while (next is not null)
            {
                var page = await owner.GetAsync(next);
                Assert.Equal(HttpStatusCode.OK, page.Status);
                var rows = RowEmail().Matches(page.Html).Select(m => m.Groups[1].Value).ToList();
                Assert.InRange(rows.Count, 1, 50);
                pages.Add(rows);
                last = page;
                var link = NextLink().Match(page.Html);
                next = link.Success ? WebUtility.HtmlDecode(link.Groups[1].Value) : null;
            }

            var seen = pages.SelectMany(p => p).ToList();
            Assert.Equal(123, seen.Count);
            Assert.Equal(123, seen.Distinct().Count());

            // And back: "Previous page" from the last page shows each earlier page again, exactly, down to the first.
            Assert.Contains("data-test=\"roster-first\"", last!.Html);
            for (var back = pages.Count - 2; back >= 0; back--)
            {
                var link = PreviousLink().Match(last!.Html);
                Assert.True(link.Success, $"no Previous link back to page {back + 1} ({sort})");
                last = await owner.GetAsync(WebUtility.HtmlDecode(link.Groups[1].Value));
                Assert.Equal(pages[back], RowEmail().Matches(last.Html).Select(m => m.Groups[1].Value).ToList());
            }

            Assert.DoesNotMatch(PreviousLink(), last!.Html); // the first page has no previous one
            Assert.Matches(NextLink(), last.Html);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/creator/members?after=x&before=y")).Status);

        var names = await owner.GetAsync("/creator/members/export.csv?sort=name");
        Assert.Contains("\n" + $"m000-{handle}@example.test,'=Member 000,free,", names.Html.Replace("\r", "")); // formulas defused

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/creator/members?status=vip")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/creator/members?after=%%%")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/creator/members?joinedFrom=yesterday")).Status);

        // Another creator cannot open, annotate or remove these members.
        var memberId = await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).Select(m => m.Id).FirstAsync());
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        await other.CreateCreatorPageAsync(Unique.Handle());
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/creator/members/{memberId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SubmitAsync("/creator/members", $"/creator/members/{memberId}/notes", new Dictionary<string, string> { ["notes"] = "mine" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SubmitAsync("/creator/members", $"/creator/members/{memberId}/remove", [])).Status);
        Assert.Equal("", await site.WithDbAsync(db => db.Members.Where(m => m.Id == memberId).Select(m => m.Notes).SingleAsync()));

        // The owner can.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/creator/members", $"/creator/members/{memberId}/notes", new Dictionary<string, string> { ["notes"] = "Met at the fair" })).Status);
        Assert.Contains("Met at the fair", (await owner.GetAsync($"/creator/members/{memberId}")).Html);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/creator/members", $"/creator/members/{memberId}/remove", [])).Status);
        Assert.Equal(MemberStatus.Left, await site.WithDbAsync(db => db.Members.Where(m => m.Id == memberId).Select(m => m.Status).SingleAsync()));
    }

    [GeneratedRegex("<tr data-test=\"roster-row\">\\s*<td><a [^>]+>[^<]*</a></td>\\s*<td>([^<]+)</td>")]
    private static partial Regex RowEmail();

    [GeneratedRegex("href=\"([^\"]+)\" data-test=\"roster-next\"")]
    private static partial Regex NextLink();

    [GeneratedRegex("href=\"([^\"]+)\" data-test=\"roster-previous\"")]
    private static partial Regex PreviousLink();
}
