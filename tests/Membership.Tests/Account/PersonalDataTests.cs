using System.Net;
using System.Text.Json;
using Membership.Data.Entities;
using Membership.Tests.Billing;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Tests.Account;

/// <summary>A member downloads their data, then deletes the account: Stripe stops charging, the person is gone, the books stay.</summary>
public sealed class PersonalDataTests
{
    [Fact]
    public async Task DownloadThenDelete_SubscriptionCancelled_PersonErased_PaymentsKept()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync("leaving");
        var checkout = await fan.JoinAsync(creator, "Gold");

        var download = await fan.Browser.GetAsync("/account/data.json");
        Assert.Equal(HttpStatusCode.OK, download.Status);
        using (var json = JsonDocument.Parse(download.Html))
        {
            Assert.Equal(fan.Email, json.RootElement.GetProperty("account").GetProperty("email").GetString());
            Assert.Equal(1500, json.RootElement.GetProperty("payments")[0].GetProperty("amount_minor").GetInt64());
            Assert.Equal("Active", json.RootElement.GetProperty("memberships")[0].GetProperty("status").GetString());
        }

        var refused = await fan.Browser.SubmitAsync("/account/settings", "/account/delete", new Dictionary<string, string> { ["confirm"] = "yes" });
        Assert.Equal(HttpStatusCode.Redirect, refused.Status);
        Assert.Equal(MemberStatus.Active, (await fan.MemberAsync(creator))!.Status);

        var deleted = await fan.Browser.SubmitAsync("/account/settings", "/account/delete", new Dictionary<string, string> { ["confirm"] = "DELETE" });
        Assert.Equal(HttpStatusCode.Redirect, deleted.Status);
        await billing.SettleAsync();

        Assert.Equal("canceled", (await new SubscriptionService(billing.Stripe).GetAsync(checkout.SubscriptionId)).Status);
        Assert.False(await billing.DbAsync(db => db.Users.AnyAsync(u => u.Email == fan.Email)));
        var member = await billing.DbAsync(db => db.Members.Include(m => m.User).SingleAsync(m => m.Creator!.Handle == creator.Handle && m.User!.DisplayName == "Deleted member"));
        Assert.Equal(MemberStatus.Left, member.Status);
        Assert.EndsWith("@deleted.invalid", member.User!.Email);
        var payment = await billing.DbAsync(db => db.Payments.SingleAsync(p => p.MemberId == member.Id));
        Assert.Equal(1500, payment.AmountMinor); // the creator's books keep it
        var history = await billing.DbAsync(db => db.MembershipChanges.Where(c => c.MemberId == member.Id).OrderBy(c => c.Id).Select(c => c.Kind).ToListAsync());
        Assert.Equal([MembershipChangeKind.Started, MembershipChangeKind.Ended], history);

        var signIn = await fan.Browser.SignInAsync(fan.Email);
        Assert.NotEqual(HttpStatusCode.Redirect, signIn.Status);
        Assert.Equal(HttpStatusCode.Redirect, (await fan.Browser.GetAsync("/account/data.json")).Status); // signed out
    }

    [Fact]
    public async Task Download_IsNeverCached()
    {
        await using var site = new MembershipFactory();
        using var browser = site.CreateBrowser();
        var email = Unique.Email("download");
        await browser.RegisterAsync(email);

        var download = await browser.GetAsync("/account/data.json");

        Assert.Equal(HttpStatusCode.OK, download.Status);
        Assert.True(download.Response.Headers.CacheControl?.NoStore, $"Cache-Control: {download.Response.Headers.CacheControl}");
        Assert.Contains(email, download.Html);
    }
}
