using System.Net;
using Membership.Tests.Infrastructure;
using Stripe;

namespace Membership.Tests.Billing;

/// <summary>The fan reads their membership in words on the creator's page and on "Your memberships", through its whole life.</summary>
public sealed partial class MembershipStandingTests
{
    /// <summary>Enum and Stripe names that must never reach a page.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\b(CancelScheduled|PastDue|TrialStarted|ChangedTier|Reactivated|subscription_cycle|subscription_create|subscription_update|past_due)\b")]
    private static partial System.Text.RegularExpressions.Regex CodeNames();

    [Fact]
    public async Task CancelResumeCancelEnd_PageAndYourMemberships_SayWhatIsTrue()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        var checkout = await fan.JoinAsync(creator, "Bronze");

        var page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("You are a member: Bronze, $5.00 a month.", page.Text);
        Assert.Contains("Next payment: $5.00 on 10 February 2026.", page.Text);
        Assert.Contains("data-test=\"your-tier\"", page.Html);
        Assert.Contains("You are a member: Bronze, $5.00 a month.", (await fan.Browser.GetAsync("/account/memberships")).Text);

        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await billing.SettleAsync();
        page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("Your Bronze membership is cancelled: it ends on 10 February 2026.", page.Text);
        Assert.Contains("You keep access until then.", page.Text);
        Assert.Contains("Your Bronze membership is cancelled", (await fan.Browser.GetAsync("/account/memberships")).Text);

        // The creator reads the same state in the same words on the roster and on the member's page, never a code name.
        var memberId = (await fan.MemberAsync(creator))!.Id;
        var roster = await creator.Browser.GetAsync("/creator/members?status=cancelling");
        Assert.Contains(fan.Email, roster.Html);
        var memberPage = await creator.Browser.GetAsync($"/creator/members/{memberId}");
        Assert.Contains("data-test=\"member-status\">cancelling<", memberPage.Html);
        Assert.Contains("cancellation scheduled", memberPage.Text);
        Assert.Contains("(first payment)", memberPage.Text);
        Assert.DoesNotMatch(CodeNames(), memberPage.Text);

        var resumed = await fan.Browser.SubmitAsync("/" + creator.Handle, $"/{creator.Handle}/membership/resume", []);
        Assert.Equal(HttpStatusCode.Redirect, resumed.Status);
        Assert.False((await new SubscriptionService(billing.Stripe).GetAsync(checkout.SubscriptionId)).CancelAtPeriodEnd);
        page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("Your membership goes on: the next payment of $5.00 is on 10 February 2026.", page.Text);
        Assert.Contains("You are a member: Bronze", page.Text);

        await new SubscriptionService(billing.Stripe).UpdateAsync(checkout.SubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await billing.SettleAsync();
        await billing.AdvanceAsync(TimeSpan.FromDays(32));
        page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("Your Bronze membership ended on 10 February 2026.", page.Text);
        Assert.Contains("Join again below", page.Text);
        Assert.DoesNotContain("data-test=\"your-tier\"", page.Html);
    }

    [Fact]
    public async Task PastDue_ThenRecovered_PageSaysTheRealAccessEnd()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();
        await fan.JoinAsync(creator, "Bronze", card: Membership.StripeEmulator.TestCards.FailsOnRenewal);
        await billing.AdvanceAsync(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));

        var page = await fan.Browser.GetAsync("/" + creator.Handle);
        Assert.Contains("Your last payment for Bronze failed.", page.Text);
        // The last retry: the renewal (10 February) plus Stripe's retry window (7 days).
        Assert.Contains("access continues until 17 February 2026", page.Text);
    }

    [Fact]
    public async Task Header_FanWithoutPage_SeesMembershipsAndStartAPage_CreatorSeesTheirPage()
    {
        await using var billing = await BillingSite.StartAsync();
        var creator = await billing.CreatorAsync();
        var fan = await billing.FanAsync();

        var fanHeader = (await fan.Browser.GetAsync("/account/memberships")).Html;
        Assert.Contains("href=\"/account/memberships\"", fanHeader);
        Assert.Contains("href=\"/creator/setup\">Start a page", fanHeader);
        Assert.DoesNotContain("href=\"/creator/posts\"", fanHeader);
        Assert.Contains("You do not follow anyone yet.", fanHeader);
        var creatorHeader = (await creator.Browser.GetAsync("/account/memberships")).Html;
        Assert.Contains("href=\"/creator\">Your page", creatorHeader);
        Assert.DoesNotContain("Start a page", creatorHeader);
    }
}
