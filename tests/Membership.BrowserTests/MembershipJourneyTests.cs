using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>
/// A fan's membership over time, read where the fan reads it ("Your memberships" and the
/// creator's page): cancelled, resumed, cancelled again and ended when the simulated clock passes
/// the period's end; a renewal that fails and is recovered with a new card.
/// </summary>
public sealed class MembershipJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    private const string Headline = "[data-test=membership-headline]";

    [Fact]
    public Task Membership_CancelResumeCancelThenEnd_ToldAtEachStepWithEmails() => RunAsync(async session =>
    {
        var (handle, _) = await CreatorAsync(session, "Harbour Sketches");
        var fan = Person.New("fan");
        var page = await session.NewPageAsync("fan");
        await page.SignUpAndConfirmAsync(Site, fan);
        await page.SignInAsync(fan);
        await page.GotoAsync($"/{handle}");
        await page.TierCards().GetByRole(AriaRole.Link, new() { Name = "Join" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Join Supporter" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(page, "join");
        await page.JoinTierAsync(Site, handle, "Supporter");

        await page.GotoAsync("/account/memberships");
        await Expect(page.Locator(Headline)).ToHaveTextAsync("You are a member: Supporter, $5.00 a month.");
        await Expect(page.Locator("[data-test=membership]")).ToContainTextAsync(new Regex(@"Next payment: \$5\.00 on \d{1,2} [A-Z][a-z]+ \d{4}\."));

        // Cancelled in Stripe's billing portal: the page says until when access lasts, and offers to resume.
        await CancelInPortalAsync(page);
        await page.ReloadUntilAsync("/account/memberships", Headline, "is cancelled");
        var cancelled = await page.Locator(Headline).InnerTextAsync();
        var endDate = Regex.Match(cancelled, @"ends on (\d{1,2} [A-Z][a-z]+ \d{4})\.").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(endDate), cancelled);
        Assert.Equal($"Your Supporter membership is cancelled: it ends on {endDate}.", cancelled);
        await Expect(page.Locator("[data-test=membership]")).ToContainTextAsync("You keep access until then.");
        await Site.WaitForEmailAsync(fan.Email, $"Your Supporter membership ends on {endDate}");
        await Site.ScreenshotAsync(page, "your-memberships-cancelled");

        // Resumed from the site: a member again, with the next payment.
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume my membership" }).ClickAsync();
        await page.ReloadUntilAsync("/account/memberships", Headline, "You are a member");
        await Expect(page.Locator(Headline)).ToHaveTextAsync("You are a member: Supporter, $5.00 a month.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume my membership" })).ToHaveCountAsync(0);

        // Cancelled again, and this time the period ends.
        await CancelInPortalAsync(page);
        await page.ReloadUntilAsync("/account/memberships", Headline, "is cancelled");
        var operatorPage = await session.OperatorAsync(Site);
        await operatorPage.AdvanceSimulatedClockAsync("advance-month");
        await operatorPage.AdvanceSimulatedClockAsync("advance-day");
        await page.ReloadUntilAsync("/account/memberships", Headline, "ended on");
        await Expect(page.Locator(Headline)).ToHaveTextAsync($"Your Supporter membership ended on {endDate}.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "See the tiers" })).ToBeVisibleAsync();
        await Site.WaitForEmailAsync(fan.Email, "Your Supporter membership has ended");
        await Site.ScreenshotAsync(page, "your-memberships-ended");

        // On the creator's page too: the tier is joinable again, not "Your tier".
        await page.GotoAsync($"/{handle}");
        await Expect(page.Locator("[data-test=membership-state]")).ToContainTextAsync($"Your Supporter membership ended on {endDate}.");
        await Expect(page.Locator("[data-test=your-tier]")).ToHaveCountAsync(0);
        await Expect(page.TierCards().GetByRole(AriaRole.Link, new() { Name = "Join" })).ToBeVisibleAsync();
        Assert.Equal(1, Site.EmailCount(fan.Email, "Your Supporter membership has ended"));
    });

    [Fact]
    public Task Membership_RenewalFails_PastDueUntilTheLastRetry_NewCardRecoversIt() => RunAsync(async session =>
    {
        var (handle, _) = await CreatorAsync(session, "Night Ferries");
        var fan = Person.New("fan");
        var page = await session.NewPageAsync("fan");
        await page.SignUpAndConfirmAsync(Site, fan);
        await page.SignInAsync(fan);
        await page.JoinTierAsync(Site, handle, "Supporter", card: "4000000000000341"); // pays once, then declines

        var operatorPage = await session.OperatorAsync(Site);
        await operatorPage.AdvanceSimulatedClockAsync("advance-month");
        await page.ReloadUntilAsync("/account/memberships", Headline, "failed");
        await Expect(page.Locator(Headline)).ToHaveTextAsync("Your last payment for Supporter failed.");
        var detail = page.Locator("[data-test=membership]");
        await Expect(detail).ToContainTextAsync(new Regex(@"Update your card \(Manage membership\): access continues until \d{1,2} [A-Z][a-z]+ \d{4} while the payment is tried again\."));
        var until = Regex.Match(await detail.InnerTextAsync(), @"continues until (\d{1,2} [A-Z][a-z]+ \d{4})").Groups[1].Value;
        var failed = await Site.WaitForEmailAsync(fan.Email, "Your payment to Night Ferries did not go through");
        Assert.Contains($"You keep access until {until}", failed.TextBody, StringComparison.Ordinal);
        await Site.ScreenshotAsync(page, "your-memberships-past-due");

        // Still a reader while Stripe retries.
        await page.GotoAsync($"/{handle}");
        await Expect(page.Locator("[data-test=membership-state]")).ToContainTextAsync("Your last payment for Supporter failed.");

        // A new card in the billing portal: the failed invoice is paid at once.
        await page.GotoAsync("/account/memberships");
        await page.GetByRole(AriaRole.Button, new() { Name = "Manage membership" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{Site.EmulatorPort}/"));
        await page.Locator("#card_number").FillAsync("4242424242424242");
        await page.GetByRole(AriaRole.Button, new() { Name = "Update card" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(Site.BaseUrl)}/"));
        await page.ReloadUntilAsync("/account/memberships", Headline, "You are a member");
        await Expect(page.Locator(Headline)).ToHaveTextAsync("You are a member: Supporter, $5.00 a month.");
        await Journeys.WaitForAsync(() => Site.EmailCount(fan.Email, "Receipt") >= 2, "the receipt of the recovered payment");
    });

    /// <summary>A creator with a page, a $5 Supporter tier and payouts connected.</summary>
    private async Task<(string Handle, IPage Page)> CreatorAsync(BrowserSession session, string pageName)
    {
        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var page = await session.NewPageAsync("creator");
        await page.SignUpAndConfirmAsync(Site, creator);
        await page.SignInAsync(creator);
        await page.CreateCreatorPageAsync(handle, pageName);
        await page.AddTierAsync(new TierInput("Supporter", "5.00"));
        await page.ConnectPayoutsAsync(Site);
        return (handle, page);
    }

    /// <summary>From "Your memberships": Manage membership, then "Cancel plan" in Stripe's portal.</summary>
    private async Task CancelInPortalAsync(IPage page)
    {
        await page.GotoAsync("/account/memberships");
        await page.GetByRole(AriaRole.Button, new() { Name = "Manage membership" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{Site.EmulatorPort}/"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel plan" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(Site.BaseUrl)}/"));
    }
}
