using System.Net;
using Membership.Data.Entities;
using Membership.Tests.Billing;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Jobs;

/// <summary>Complimentary memberships: given by the creator, read like the tier, worth no MRR, ended on their date by the daily job.</summary>
public sealed class ComplimentaryTests
{
    [Fact]
    public async Task Grant_WithEndDate_ReadsTierPosts_ExpiresInDailyJob_Once()
    {
        var clock = new ManualClock(BillingSite.Start);
        await using var billing = await BillingSite.StartAsync(siteClock: clock);
        var creator = await billing.CreatorAsync();
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        var post = await creator.PublishPaidPostAsync(secret);
        var fan = await billing.FanAsync("guest");

        var granted = await creator.Browser.SubmitAsync("/creator/complimentary", "/creator/complimentary", new Dictionary<string, string>
        {
            ["Form.Email"] = fan.Email.ToUpperInvariant(),
            ["Form.TierId"] = creator.Tiers["Gold"].ToString(),
            ["Form.Until"] = BillingSite.Start.AddDays(20).ToString("yyyy-MM-dd"),
        });

        Assert.Equal(HttpStatusCode.Redirect, granted.Status);
        var member = await fan.MemberAsync(creator);
        Assert.Equal((MemberStatus.Active, creator.Tiers["Gold"], true), (member!.Status, member.TierId, member.IsComplimentary));
        Assert.Contains(secret, (await fan.Browser.GetAsync(post)).Html);
        Assert.Contains(fan.Email, (await creator.Browser.GetAsync("/creator/complimentary")).Html);
        Assert.Empty(await fan.HistoryAsync(creator)); // no MRR, nothing in the paid history

        clock.Advance(TimeSpan.FromDays(20)); // the last day is still theirs
        await RunReconciliationAsync(billing);
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);

        clock.Advance(TimeSpan.FromDays(1));
        await Task.WhenAll(RunReconciliationAsync(billing), RunReconciliationAsync(billing));

        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
        await fan.Browser.SignInAsync(fan.Email);
        Assert.DoesNotContain(secret, (await fan.Browser.GetAsync(post)).Html);
    }

    [Fact]
    public async Task Grant_BadInput_400WithReasons_NothingWritten_OtherCreatorCannotEndIt()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync(connect: false);
        var other = await billing.CreatorAsync(connect: false);
        var fan = await billing.FanAsync("guest");

        async Task<Page> GrantAsync(string email, int tierId, string until) =>
            await creator.Browser.SubmitAsync("/creator/complimentary", "/creator/complimentary", new Dictionary<string, string>
            {
                ["Form.Email"] = email, ["Form.TierId"] = tierId.ToString(), ["Form.Until"] = until,
            });

        var unknown = await GrantAsync("nobody@example.test", creator.Tiers["Gold"], "");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Contains("This email cannot be given access", unknown.Html);
        var othersTier = await GrantAsync(fan.Email, other.Tiers["Gold"], "");
        Assert.Equal(HttpStatusCode.BadRequest, othersTier.Status);
        Assert.Contains("Choose one of your tiers", othersTier.Html);
        var past = await GrantAsync(fan.Email, creator.Tiers["Gold"], "2020-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, past.Status);
        Assert.Contains("today or later", past.Html);
        Assert.Null(await fan.MemberAsync(creator));

        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(fan.Email, creator.Tiers["Bronze"], "")).Status);
        var memberId = (await fan.MemberAsync(creator))!.Id;
        var stolen = await other.Browser.SubmitAsync("/creator/complimentary", $"/creator/complimentary/{memberId}/end", []);
        Assert.Equal(HttpStatusCode.NotFound, stolen.Status);
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);

        var ended = await creator.Browser.SubmitAsync("/creator/complimentary", $"/creator/complimentary/{memberId}/end", []);
        Assert.Equal(HttpStatusCode.Redirect, ended.Status);
        Assert.Equal(MemberStatus.Ended, (await fan.MemberAsync(creator))!.Status);
    }

    private static async Task RunReconciliationAsync(BillingSite billing)
    {
        await using var scope = billing.Site.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Reconciliation>().RunAsync(CancellationToken.None);
    }
}
