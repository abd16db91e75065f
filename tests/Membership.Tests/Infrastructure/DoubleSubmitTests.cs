using System.Net;
using System.Text;
using Membership.Tests.Billing;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// Every state-changing form carries a one-time submission key: the same form sent twice (a
/// double click, 300 ms apart, or at the same moment) does its work once, and both answers are the first's.
/// </summary>
public sealed class DoubleSubmitTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    private static readonly TimeSpan DoubleClick = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task PublishAndEmail_SubmittedTwice300msApart_OnePostOneDelivery_SameAnswer()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        using (var fan = site.CreateBrowser())
        {
            await fan.RegisterAsync(Unique.Email("fan"));
            await fan.SubmitAsync("/" + handle, $"/{handle}/follow", []);
        }

        var title = "Twice " + Guid.NewGuid().ToString("N")[..8];
        var answers = await creator.SubmitRepeatedlyAsync("/creator/posts/new", "/creator/posts/new", new Dictionary<string, string>
        {
            ["Form.Title"] = title,
            ["Form.Body"] = "For everyone.",
            ["Form.Access"] = "Members",
            ["Form.Intent"] = "Publish",
            ["Form.EmailOnPublish"] = "true",
        }, times: 2, DoubleClick);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.Status));
        Assert.Equal(answers[0].Location, answers[1].Location);
        Assert.Equal(1, await site.WithDbAsync(db => db.Posts.CountAsync(p => p.Creator!.Handle == handle)));
        Assert.Equal(1, await site.WithDbAsync(db => db.EmailDeliveries.CountAsync(d => d.Post!.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task TierSave_SubmittedTwiceAtOnce_OneTier()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);

        var answers = await creator.SubmitRepeatedlyAsync("/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Double"), times: 2, TimeSpan.Zero);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.Status));
        Assert.Equal(1, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
        // The form opened again is a new submission: a second tier of another name is saved.
        Assert.Equal(HttpStatusCode.Redirect, (await creator.CreateTierAsync(TestBrowser.TierFields("Single"))).Status);
    }

    [Fact]
    public async Task RefusedForm_SentAgainCorrected_IsHandled()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        var page = await creator.GetAsync("/creator/tiers/new");

        // The same key: first with a bad price (refused, nothing saved, so the key is free again), then corrected.
        var refused = await creator.SubmitRepeatedlyAsync(page, "/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Fixed", monthly: "0"), 1, TimeSpan.Zero);
        var corrected = await creator.SubmitRepeatedlyAsync(page, "/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Fixed"), 1, TimeSpan.Zero);

        Assert.Contains("A price must be above zero", refused[0].Html);
        Assert.Equal(HttpStatusCode.Redirect, corrected[0].Status);
        Assert.Equal(1, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task SameFormOtherContents_SentAgainFromTheBackButton_IsANewSubmission()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email("creator"));
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        var page = await creator.GetAsync("/creator/tiers/new");

        var first = await creator.SubmitRepeatedlyAsync(page, "/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("First"), 1, TimeSpan.Zero);
        var edited = await creator.SubmitRepeatedlyAsync(page, "/creator/tiers/new", "/creator/tiers/new", TestBrowser.TierFields("Second"), 1, TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.Redirect, first[0].Status);
        Assert.Equal(HttpStatusCode.Redirect, edited[0].Status);
        Assert.Equal(2, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task ImportConfirm_SubmittedTwice300msApart_MembersAddedOnce()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        await owner.CreateTierAsync(TestBrowser.TierFields("Gold"));
        var newcomer = Unique.Email("new");
        var csv = "Name,Email,Twitter,Patron Status,Follows You,Lifetime Amount,Pledge Amount,Charge Frequency,Tier,Addressee\n"
            + $"New Patron,{newcomer},,Active patron,Yes,$50.00,$5.00,monthly,Gold,New Patron\n";
        var preview = await owner.UploadAsync("/creator/members/import", "/creator/members/import", "members.csv", Encoding.UTF8.GetBytes(csv),
            new Dictionary<string, string> { ["Form.Kind"] = "complimentary" });
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        var token = System.Text.RegularExpressions.Regex.Match(preview.Html, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;

        var answers = await owner.SubmitRepeatedlyAsync(preview, "/creator/members/import", "/creator/members/import/confirm",
            new Dictionary<string, string> { ["token"] = WebUtility.HtmlDecode(token) }, times: 2, DoubleClick);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.Status));
        Assert.Equal(1, await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == handle && m.User!.Email == newcomer)));
    }

    [Fact]
    public async Task Join_SubmittedTwice300msApart_OneCheckoutSession_SameCheckoutPage()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var sessionsBefore = billing.Emulator.ObjectIds("checkout.session").Count;

        var answers = await fan.Browser.SubmitRepeatedlyAsync(creator.JoinPage("Bronze"), creator.JoinPage("Bronze"),
            new Dictionary<string, string> { ["Form.Interval"] = "month" }, times: 2, DoubleClick);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.Status));
        Assert.Equal(answers[0].Location, answers[1].Location);
        Assert.Equal(sessionsBefore + 1, billing.Emulator.ObjectIds("checkout.session").Count);
    }
}
