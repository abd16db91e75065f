using System.Net;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Billing;

/// <summary>
/// A Stripe that no longer knows the ids the site stored (the emulator's data deleted, or keys
/// switched from test to live): the site makes again what it owns, or says plainly what cannot be done.
/// </summary>
public sealed class ForgottenStripeTests
{
    [Fact]
    public async Task StripeForgetsEverything_PayoutsAskedAgain_JoinsRemakeCatalogueAndCustomer_OldMemberToldPlainly()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var member = await billing.FanAsync("member");
        await member.JoinAsync(creator, "Bronze");
        var returning = await billing.FanAsync("returning");
        var abandoned = await returning.StartJoinAsync(creator, "Gold"); // a customer and an open Checkout, never paid
        Assert.Equal(HttpStatusCode.Redirect, abandoned.Status);

        await billing.ForgetStripeAsync();

        // A join before the creator reconnects: refused in words, nothing charged.
        var refused = await returning.StartJoinAsync(creator, "Gold");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("has not finished connecting payouts", refused.Html);

        // The payouts page reads the account from Stripe: gone, so "connect" again.
        var payouts = await creator.Browser.GetAsync("/creator/payouts");
        Assert.Contains("data-test=\"payouts-not-connected\"", payouts.Html);
        Assert.Contains("Not connected yet: paid tiers cannot take members", payouts.Html);
        await creator.ConnectPayoutsAsync();

        // Product, price and customer are made again in this Stripe, and the join goes through.
        await returning.JoinAsync(creator, "Gold");
        Assert.Equal(MemberStatus.Active, (await returning.MemberAsync(creator))!.Status);
        Assert.Single(billing.Emulator.ObjectIds("product"), id => billing.Emulator.GetObject(id)!["name"]!.ToString().EndsWith(": Gold", StringComparison.Ordinal));

        // The member whose subscription lived in the forgotten Stripe is told, not shown an error.
        var manage = await member.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/membership/manage", []);
        Assert.Equal(HttpStatusCode.Redirect, manage.Status);
        var page = await member.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("are not with the payment provider this site now uses", page.Html);
    }
}
