using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MimeKit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>
/// Paying through the built-in Stripe emulator as people do, across a restart of the site: fans
/// join through Checkout, one switches in the billing portal to a tier nobody else holds, the
/// operator moves the simulated clock past a renewal, and a new fan can still join.
/// </summary>
public sealed class BillingJourneyTests(PublishedSite site, ITestOutputHelper output) : BrowserTest(site, output)
{
    [Fact]
    public Task Billing_JoinRestartJoinPortalSwitchAdvanceRenewalJoin_AllWork_NoErrorInTheLog() => RunAsync(async session =>
    {
        var operatorPage = await session.OperatorAsync(Site);

        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(handle, "Paid Pages");
        await creatorPage.AddTierAsync(new TierInput("Supporter", "5.00"));
        await creatorPage.AddTierAsync(new TierInput("Insider", "15.00"));
        await creatorPage.AddTierAsync(new TierInput("Patron", "30.00"));
        await creatorPage.ConnectPayoutsAsync(Site);

        var first = Person.New("fan");
        var firstPage = await session.NewPageAsync("first-fan");
        await firstPage.SignUpAndConfirmAsync(Site, first);
        await firstPage.SignInAsync(first);
        await firstPage.JoinTierAsync(Site, handle, "Supporter");
        await firstPage.GotoAsync($"/{handle}");
        await Expect(firstPage.Locator("[data-test=membership-state]")).ToContainTextAsync("You are a member: Supporter, $5.00 a month.");
        await Site.ScreenshotAsync(firstPage, "creator-page-member");
        await firstPage.GotoAsync("/account/memberships");
        await Expect(firstPage.Locator("[data-test=membership-headline]")).ToHaveTextAsync("You are a member: Supporter, $5.00 a month.");
        await Site.ScreenshotAsync(firstPage, "your-memberships");

        // The site goes down and comes back (killed, not stopped): the emulator's customers, prices
        // and subscriptions, and its port, are all still there.
        await Site.RestartAsync();

        var second = Person.New("fan");
        var secondPage = await session.NewPageAsync("second-fan");
        await secondPage.SignUpAndConfirmAsync(Site, second);
        await secondPage.SignInAsync(second);
        await secondPage.JoinTierAsync(Site, handle, "Insider");

        // The first fan switches, in the billing portal, to the tier nobody has joined.
        await firstPage.GotoAsync($"/{handle}");
        await Expect(firstPage.Locator("[data-test=membership-state]")).ToContainTextAsync("Supporter");
        await firstPage.Locator("[data-test=manage-membership]").ClickAsync();
        await Expect(firstPage).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{Site.EmulatorPort}/"));
        var plans = firstPage.Locator("select[name=price] option");
        // Exactly the creator's other joinable tiers, though nobody has joined Patron yet.
        await Expect(plans).ToHaveCountAsync(2);
        await Expect(plans.Filter(new() { HasText = "Insider" })).ToHaveCountAsync(1);
        var patron = await plans.Filter(new() { HasText = "Patron" }).GetAttributeAsync("value");
        await firstPage.Locator("select[name=price]").SelectOptionAsync(patron!);
        await firstPage.GetByRole(AriaRole.Button, new() { Name = "Update plan" }).ClickAsync();
        await firstPage.ReloadUntilAsync($"/{handle}", "[data-test=membership-state]", "Patron");

        // The operator moves the simulated clock a month on: Stripe renews and the site hears of it.
        await operatorPage.GotoAsync("/admin/payments");
        await Expect(operatorPage.GetByRole(AriaRole.Heading, new() { Name = "Simulated payments" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(operatorPage, "simulated-payments");
        var receiptsBefore = Site.EmailCount(first.Email, "Receipt");
        await operatorPage.Locator("[data-test=advance-month]").ClickAsync();
        await Expect(operatorPage.GetByRole(AriaRole.Status)).ToContainTextAsync("Simulated time is now");
        await Journeys.WaitForAsync(() => Site.EmailCount(first.Email, "Receipt") > receiptsBefore, "the first fan's renewal receipt");
        await operatorPage.ReloadUntilAsync("/admin/payments", "[data-test=emulator-events]", "invoice.paid");
        // Every event reached the site (the third column says how its delivery went).
        foreach (var delivery in await operatorPage.Locator("[data-test=emulator-events] tbody td:nth-child(3)").AllInnerTextsAsync())
        {
            Assert.DoesNotMatch("^(failed|refused)", delivery);
        }

        // After the clock moved, a new fan can still join.
        var third = Person.New("fan");
        var thirdPage = await session.NewPageAsync("third-fan");
        await thirdPage.SignUpAndConfirmAsync(Site, third);
        await thirdPage.SignInAsync(third);
        await thirdPage.JoinTierAsync(Site, handle, "Supporter");

        // Everything the site logged since it started (this journey and any run before it).
        var log = Site.ServerLog;
        var errors = log.Split('\n').Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "error-level lines in the site's log:\n" + string.Join('\n', errors));
    });
}
