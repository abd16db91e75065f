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
    private const string Card = "4242424242424242";

    [Fact]
    public Task Billing_JoinRestartJoinPortalSwitchAdvanceRenewalJoin_AllWork_NoErrorInTheLog() => RunAsync(async session =>
    {
        var operatorPerson = new Person("Site Operator", PublishedSite.OperatorEmail, "correct horse battery staple");
        var operatorPage = await session.NewPageAsync("operator");
        await operatorPage.SignUpAndConfirmAsync(Site, operatorPerson);
        await operatorPage.SignInAsync(operatorPerson);

        var creator = Person.New("creator");
        var handle = Person.NewHandle();
        var creatorPage = await session.NewPageAsync("creator");
        await creatorPage.SignUpAndConfirmAsync(Site, creator);
        await creatorPage.SignInAsync(creator);
        await creatorPage.CreateCreatorPageAsync(handle, "Paid Pages");
        await creatorPage.AddTierAsync(new TierInput("Supporter", "5.00"));
        await creatorPage.AddTierAsync(new TierInput("Insider", "15.00"));
        await creatorPage.AddTierAsync(new TierInput("Patron", "30.00"));
        await creatorPage.GotoAsync("/creator/payouts");
        await creatorPage.Locator("[data-test=connect-payouts]").ClickAsync();
        await Expect(creatorPage).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{Site.EmulatorPort}/"));
        await creatorPage.Locator("#complete").ClickAsync();
        await Expect(creatorPage.Locator("[data-test=payouts-connected]")).ToBeVisibleAsync();

        var first = Person.New("fan");
        var firstPage = await session.NewPageAsync("first-fan");
        await firstPage.SignUpAndConfirmAsync(Site, first);
        await firstPage.SignInAsync(first);
        await JoinAsync(firstPage, handle, "Supporter");
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
        await JoinAsync(secondPage, handle, "Insider");

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
        await ReloadUntilAsync(firstPage, $"/{handle}", "[data-test=membership-state]", "Patron");

        // The operator moves the simulated clock a month on: Stripe renews and the site hears of it.
        await operatorPage.GotoAsync("/admin/payments");
        await Expect(operatorPage.GetByRole(AriaRole.Heading, new() { Name = "Simulated payments" })).ToBeVisibleAsync();
        await Site.ScreenshotAsync(operatorPage, "simulated-payments");
        var receiptsBefore = Receipts(first.Email);
        await operatorPage.Locator("[data-test=advance-month]").ClickAsync();
        await Expect(operatorPage.GetByRole(AriaRole.Status)).ToContainTextAsync("Simulated time is now");
        await WaitForAsync(() => Receipts(first.Email) > receiptsBefore, "the first fan's renewal receipt");
        await ReloadUntilAsync(operatorPage, "/admin/payments", "[data-test=emulator-events]", "invoice.paid");
        await Expect(operatorPage.Locator("[data-test=emulator-events]")).Not.ToContainTextAsync("failed");

        // After the clock moved, a new fan can still join.
        var third = Person.New("fan");
        var thirdPage = await session.NewPageAsync("third-fan");
        await thirdPage.SignUpAndConfirmAsync(Site, third);
        await thirdPage.SignInAsync(third);
        await JoinAsync(thirdPage, handle, "Supporter");

        // Everything the site logged since it started (this journey and any run before it).
        var log = Site.ServerLog;
        var errors = log.Split('\n').Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "error-level lines in the site's log:\n" + string.Join('\n', errors));
    });

    /// <summary>From the creator's page: Join, monthly, Checkout with a good card, back on the site until the webhook confirms it.</summary>
    private async Task JoinAsync(IPage page, string handle, string tier)
    {
        await page.GotoAsync($"/{handle}");
        await page.TierCards().Filter(new() { Has = page.Locator("h3", new() { HasTextString = tier }) })
            .GetByRole(AriaRole.Link, new() { Name = "Join" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Join {tier}" })).ToBeVisibleAsync();
        await page.Locator("[data-test=checkout]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{Site.EmulatorPort}/c/"));
        await page.Locator("#card_number").FillAsync(Card);
        await page.Locator("#submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/{handle}/join/done"));
        await Expect(page.Locator("[data-test=join-confirmed]")).ToHaveTextAsync($"Welcome to {tier}", new() { Timeout = 30_000 });
    }

    private static async Task ReloadUntilAsync(IPage page, string url, string selector, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await page.GotoAsync(url);
            var content = await page.Locator(selector).TextContentAsync() ?? "";
            if (content.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not show \"{text}\" in {selector} within 30 s; it shows: {content}");
            }

            await Task.Delay(500);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 30 s for {what}.");
            }

            await Task.Delay(300);
        }
    }

    private int Receipts(string email) => Directory.Exists(Site.MailDirectory)
        ? Directory.EnumerateFiles(Site.MailDirectory, "*.eml").Count(file =>
        {
            using var message = MimeMessage.Load(file);
            return message.To.Mailboxes.Any(m => string.Equals(m.Address, email, StringComparison.OrdinalIgnoreCase))
                && (message.Subject ?? "").StartsWith("Receipt", StringComparison.Ordinal);
        })
        : 0;
}
