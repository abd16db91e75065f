using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Tiers;

public sealed class TierTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Theory]
    [InlineData("Form.Name", "", "Give the tier a name.")]
    [InlineData("Form.MonthlyPrice", "", "Enter a monthly price.")]
    [InlineData("Form.MonthlyPrice", "0", "A price must be above zero.")]
    [InlineData("Form.MonthlyPrice", "-5", "Enter an amount like")]
    [InlineData("Form.MonthlyPrice", "five", "Enter an amount like")]
    [InlineData("Form.MonthlyPrice", "5.001", "USD amounts have at most 2 decimals.")]
    [InlineData("Form.MonthlyPrice", "100000.01", "A price can be at most $100,000.00.")]
    [InlineData("Form.YearlyPrice", "0.00", "A price must be above zero.")]
    [InlineData("Form.MemberCap", "0", "A member cap must be at least 1")]
    [InlineData("Form.MemberCap", "lots", "is not valid for Member cap")]
    [InlineData("Form.TrialDays", "0", "A trial is 1 to 730 days")]
    [InlineData("Form.TrialDays", "731", "A trial is 1 to 730 days")]
    public async Task NewTier_InvalidField_ShowsMessageAndWritesNothing(string field, string value, string message)
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        var fields = TestBrowser.TierFields("Gold", "5.00");
        fields[field] = value;

        var page = await browser.CreateTierAsync(fields);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(message, page.Text);
        Assert.Equal(0, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task NewTier_ZeroDecimalCurrency_StoresWholeUnitsAndRefusesDecimals()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle, currency: "JPY");

        var refused = await browser.CreateTierAsync(TestBrowser.TierFields("Yen", "500.5"));
        Assert.Contains("JPY amounts have no decimals.", refused.Text);

        // "5,000" is refused, not read as 5 or as 5000: a comma is a decimal separator here.
        var grouped = await browser.CreateTierAsync(TestBrowser.TierFields("Yen", "500", yearly: "5,000"));
        Assert.Contains("Write the amount without thousands separators, like 1200.", grouped.Text);
        Assert.False(await site.WithDbAsync(db => db.Tiers.AnyAsync(t => t.Creator!.Handle == handle)));

        await browser.CreateTierAsync(TestBrowser.TierFields("Yen", "500", yearly: "5000"));
        var tier = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Creator!.Handle == handle));
        Assert.Equal(500, tier.MonthlyPriceMinor);
        Assert.Equal(5000, tier.YearlyPriceMinor);
    }

    [Fact]
    public async Task NewTier_ValidForm_StoresMinorUnitsBenefitsAndOrder()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);

        var page = await browser.CreateTierAsync(TestBrowser.TierFields("Supporter", "4.99", yearly: "49.90", cap: "100", trial: "7"));
        await browser.CreateTierAsync(TestBrowser.TierFields("Insider", "15"));

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        var tiers = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).OrderBy(t => t.SortOrder).ToListAsync());
        Assert.Equal(["Supporter", "Insider"], tiers.Select(t => t.Name));
        var supporter = tiers[0];
        Assert.Equal(499, supporter.MonthlyPriceMinor);
        Assert.Equal(4990, supporter.YearlyPriceMinor);
        Assert.Equal(100, supporter.MemberCap);
        Assert.Equal(7, supporter.TrialDays);
        Assert.Equal(["First benefit", "Second benefit"], supporter.Benefits);
        Assert.Equal(1500, tiers[1].MonthlyPriceMinor);
        Assert.Null(tiers[1].YearlyPriceMinor);
    }

    [Fact]
    public async Task NewTier_DuplicateNameAnyCase_ShowsMessageAndWritesNothing()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        await browser.CreateTierAsync(TestBrowser.TierFields("Gold"));

        var page = await browser.CreateTierAsync(TestBrowser.TierFields(" gold "));

        Assert.Contains("You already have a tier called \"gold\"", page.Text);
        Assert.Equal(1, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task NewTier_SameNameAsAnotherCreatorsTier_IsAllowed()
    {
        using var first = site.CreateBrowser();
        await first.RegisterAsync(Unique.Email());
        await first.CreateCreatorPageAsync(Unique.Handle());
        await first.CreateTierAsync(TestBrowser.TierFields("Patron"));
        using var second = site.CreateBrowser();
        await second.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await second.CreateCreatorPageAsync(handle);

        var page = await second.CreateTierAsync(TestBrowser.TierFields("Patron"));

        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal(1, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task EditTier_CapBelowCurrentMembers_IsRefused_CapAtMembers_IsSaved()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        await browser.CreateTierAsync(TestBrowser.TierFields("Capped", cap: "10"));
        var tier = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Creator!.Handle == handle));
        await site.AddMembersAsync(tier, 4, MemberStatus.Active);

        var refused = await browser.SubmitAsync($"/creator/tiers/{tier.Id}/edit", $"/creator/tiers/{tier.Id}/edit", TestBrowser.TierFields("Capped", cap: "3"));
        Assert.Contains("This tier has 4 members: the cap cannot be lower than that.", refused.Text);
        Assert.Equal(10, await site.WithDbAsync(db => db.Tiers.Where(t => t.Id == tier.Id).Select(t => t.MemberCap).SingleAsync()));

        var saved = await browser.SubmitAsync($"/creator/tiers/{tier.Id}/edit", $"/creator/tiers/{tier.Id}/edit", TestBrowser.TierFields("Capped", "6.00", cap: "4"));
        Assert.Equal(HttpStatusCode.Redirect, saved.Status);
        var after = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Id == tier.Id));
        Assert.Equal(4, after.MemberCap);
        Assert.Equal(600, after.MonthlyPriceMinor);
    }

    [Fact]
    public async Task DeleteTier_WithMembers_IsArchivedNotDeleted_WithoutMembers_IsDeleted()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        await browser.CreateTierAsync(TestBrowser.TierFields("Joined"));
        await browser.CreateTierAsync(TestBrowser.TierFields("Empty"));
        var tiers = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).ToDictionaryAsync(t => t.Name));
        await site.AddMembersAsync(tiers["Joined"], 1, MemberStatus.Ended);

        var refused = await browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{tiers["Joined"].Id}/delete", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, refused.Status);
        Assert.Contains("cannot be deleted. Archive it instead", (await browser.GetAsync("/creator/tiers")).Text);
        Assert.True(await site.WithDbAsync(db => db.Tiers.AnyAsync(t => t.Id == tiers["Joined"].Id)));

        await browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{tiers["Empty"].Id}/delete", new Dictionary<string, string>());
        Assert.False(await site.WithDbAsync(db => db.Tiers.AnyAsync(t => t.Id == tiers["Empty"].Id)));

        await browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{tiers["Joined"].Id}/archive", new Dictionary<string, string>());
        var archived = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Id == tiers["Joined"].Id));
        Assert.NotNull(archived.ArchivedAt);
        var member = await site.WithDbAsync(db => db.Members.SingleAsync(m => m.TierId == archived.Id));
        Assert.Equal(archived.Id, member.TierId);

        await browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{tiers["Joined"].Id}/restore", new Dictionary<string, string>());
        Assert.Null(await site.WithDbAsync(db => db.Tiers.Where(t => t.Id == archived.Id).Select(t => t.ArchivedAt).SingleAsync()));
    }

    [Fact]
    public async Task MoveTier_Down_SwapsOrderOnPublicPage()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        await browser.CreateTierAsync(TestBrowser.TierFields("Alpha"));
        await browser.CreateTierAsync(TestBrowser.TierFields("Beta"));
        await browser.CreateTierAsync(TestBrowser.TierFields("Gamma"));
        var alpha = await site.WithDbAsync(db => db.Tiers.SingleAsync(t => t.Name == "Alpha" && t.Creator!.Handle == handle));

        await browser.SubmitAsync("/creator/tiers", $"/creator/tiers/{alpha.Id}/move", new Dictionary<string, string> { ["direction"] = "down" });

        var order = await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == handle).OrderBy(t => t.SortOrder).Select(t => t.Name).ToListAsync());
        Assert.Equal(["Beta", "Alpha", "Gamma"], order);
        var page = (await browser.GetAsync("/" + handle)).Html;
        Assert.True(page.IndexOf("Beta", StringComparison.Ordinal) < page.IndexOf("Alpha", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherCreatorsTier_Is404OnEveryRoute_AndUnchanged()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        await owner.CreateTierAsync(TestBrowser.TierFields("Private", "9.00"));
        var tier = await site.WithDbAsync(db => db.Tiers.AsNoTracking().SingleAsync(t => t.Creator!.Handle == handle));

        using var attacker = site.CreateBrowser();
        await attacker.RegisterAsync(Unique.Email());
        await attacker.CreateCreatorPageAsync(Unique.Handle());

        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync($"/creator/tiers/{tier.Id}/edit")).Status);
        var formPage = "/creator/tiers/new";
        foreach (var (action, fields) in new (string, Dictionary<string, string>)[]
        {
            ($"/creator/tiers/{tier.Id}/edit", TestBrowser.TierFields("Hijacked", "0.50")),
            ($"/creator/tiers/{tier.Id}/move", new Dictionary<string, string> { ["direction"] = "up" }),
            ($"/creator/tiers/{tier.Id}/archive", new Dictionary<string, string>()),
            ($"/creator/tiers/{tier.Id}/restore", new Dictionary<string, string>()),
            ($"/creator/tiers/{tier.Id}/delete", new Dictionary<string, string>()),
        })
        {
            var page = await attacker.SubmitAsync(formPage, action, fields);
            Assert.True(page.Status == HttpStatusCode.NotFound, $"{action} answered {(int)page.Status}");
        }

        var after = await site.WithDbAsync(db => db.Tiers.AsNoTracking().SingleAsync(t => t.Id == tier.Id));
        Assert.Equal("Private", after.Name);
        Assert.Equal(900, after.MonthlyPriceMinor);
        Assert.Null(after.ArchivedAt);
        Assert.Equal(tier.SortOrder, after.SortOrder);
    }

    [Fact]
    public async Task TierPages_WithoutCreatorPage_RedirectToSetup_Anonymous_RedirectToSignIn()
    {
        using var anonymous = site.CreateBrowser();
        var page = await anonymous.GetAsync("/creator/tiers");
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Contains("/account/sign-in", page.Location);

        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email());
        var setup = await fan.GetAsync("/creator/tiers");
        Assert.Equal(HttpStatusCode.Redirect, setup.Status);
        Assert.Equal("/creator/setup", setup.Location);
    }
}
