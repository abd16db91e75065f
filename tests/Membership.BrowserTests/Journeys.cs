using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Membership.BrowserTests;

/// <summary>A person with a unique email for this run.</summary>
public sealed record Person(string Name, string Email, string Password)
{
    public static Person New(string role) =>
        new($"{char.ToUpperInvariant(role[0])}{role[1..]} {Unique()}", $"{role}-{Unique()}@example.com", "correct horse battery staple");

    /// <summary>A creator handle: starts with a letter, lower-case letters, digits and one hyphen.</summary>
    public static string NewHandle() => $"bt-{Unique()}";

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];
}

/// <summary>A tier as typed into the "Add a tier" form.</summary>
public sealed record TierInput(
    string Name,
    string MonthlyPrice,
    string? Description = null,
    string? Benefits = null,
    string? YearlyPrice = null,
    int? MemberCap = null,
    int? TrialDays = null);

/// <summary>The steps a person takes through the site, as they would take them in a browser.</summary>
public static class Journeys
{
    public static async Task SignUpAndConfirmAsync(this IPage page, PublishedSite site, Person person)
    {
        await page.GotoAsync("/account/sign-up");
        await page.Locator("[name='DisplayName']").FillAsync(person.Name);
        await page.Locator("[name='Email']").FillAsync(person.Email);
        await page.Locator("[name='Password']").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign up", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" })).ToBeVisibleAsync();
        await Expect(page.Locator("main")).ToContainTextAsync(person.Email);

        var link = await site.WaitForEmailLinkAsync(person.Email, "Confirm your email");
        Assert.StartsWith($"{site.BaseUrl}/account/confirm-email?", link, StringComparison.Ordinal);
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your email is confirmed" })).ToBeVisibleAsync();
    }

    public static async Task SignInAsync(this IPage page, Person person)
    {
        await page.GotoAsync("/account/sign-in");
        await page.Locator("[name='Email']").FillAsync(person.Email);
        await page.Locator("[name='Password']").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.Locator(".site-header").GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    /// <summary>Fills the creator setup form; the site then shows the (empty) tiers page.</summary>
    public static async Task CreateCreatorPageAsync(this IPage page, string handle, string pageName)
    {
        await page.GotoAsync("/creator/setup");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Start your creator page" })).ToBeVisibleAsync();
        await page.Locator("[name='Form.Handle']").FillAsync(handle);
        await page.Locator("[name='Form.DisplayName']").FillAsync(pageName);
        await page.Locator("[name='Form.Bio']").FillAsync("Drawings, sketches and the stories behind them.");
        await page.Locator("select[name='Form.Currency']").SelectOptionAsync("USD");
        await page.Locator("[name='Form.YearlyGoal']").FillAsync("60000.00");
        await page.Locator("[name='Form.TrueFanThreshold']").FillAsync("120.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my page" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/creator/tiers$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your tiers" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your page is ready");
    }

    /// <summary>From the tiers page: "Add a tier", fill the form, "Add tier". Does not check the outcome.</summary>
    public static async Task SubmitTierAsync(this IPage page, TierInput tier)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Add a tier", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/creator/tiers/new$"));
        await page.Locator("[name='Form.Name']").FillAsync(tier.Name);
        await page.Locator("[name='Form.Description']").FillAsync(tier.Description ?? "");
        await page.Locator("textarea[name='Form.Benefits']").FillAsync(tier.Benefits ?? "");
        await page.Locator("[name='Form.MonthlyPrice']").FillAsync(tier.MonthlyPrice);
        await page.Locator("[name='Form.YearlyPrice']").FillAsync(tier.YearlyPrice ?? "");
        await page.Locator("[name='Form.MemberCap']").FillAsync(tier.MemberCap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        await page.Locator("[name='Form.TrialDays']").FillAsync(tier.TrialDays?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add tier", Exact = true }).ClickAsync();
    }

    /// <summary>Adds a tier and checks the site accepted it (back on the tiers page with a notice).</summary>
    public static async Task AddTierAsync(this IPage page, TierInput tier)
    {
        await page.SubmitTierAsync(tier);
        await Expect(page).ToHaveURLAsync(new Regex("/creator/tiers$"));
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Tier \"{tier.Name}\" is on your page.");
    }

    /// <summary>A signed-in fan opens the creator's page and clicks "Follow for free".</summary>
    public static async Task FollowCreatorAsync(this IPage page, string handle, string pageName)
    {
        await page.GotoAsync($"/{handle}");
        await page.Locator("[data-test=follow]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/{handle}$"));
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"You follow {pageName}.");
        await Expect(page.Locator("[data-test=membership-state]")).ToContainTextAsync("You follow this page.");
    }

    /// <summary>The rows of the signed-in creator's tier table.</summary>
    public static ILocator TierRows(this IPage page) => page.Locator("[data-test=tier-row]");

    /// <summary>The tier cards on a public creator page.</summary>
    public static ILocator TierCards(this IPage page) => page.Locator("[data-test=tier]");

    /// <summary>"N member(s)" under the creator's name on the public page.</summary>
    public static ILocator MemberCount(this IPage page) =>
        page.Locator("section.creator-header").GetByText(new Regex(@"^\s*\d+ members?\s*$"));

    /// <summary>The signed-in creator connects payouts on the emulator's onboarding page.</summary>
    public static async Task ConnectPayoutsAsync(this IPage page, PublishedSite site)
    {
        await page.GotoAsync("/creator/payouts");
        await page.Locator("[data-test=connect-payouts]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{site.EmulatorPort}/"));
        await page.Locator("#complete").ClickAsync();
        await Expect(page.Locator("[data-test=payouts-connected]")).ToBeVisibleAsync();
    }

    /// <summary>From the creator's page: Join, monthly, Checkout with <paramref name="card"/>, back on the site until the webhook confirms it.</summary>
    public static async Task JoinTierAsync(this IPage page, PublishedSite site, string handle, string tier, string card = "4242424242424242")
    {
        await page.GotoAsync($"/{handle}");
        await page.TierCards().Filter(new() { Has = page.Locator("h3", new() { HasTextString = tier }) })
            .GetByRole(AriaRole.Link, new() { Name = "Join" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Join {tier}" })).ToBeVisibleAsync();
        await page.Locator("[data-test=checkout]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{site.EmulatorPort}/c/"));
        await page.Locator("#card_number").FillAsync(card);
        await page.Locator("#submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/{handle}/join/done"));
        await Expect(page.Locator("[data-test=join-confirmed]")).ToHaveTextAsync($"Welcome to {tier}", new() { Timeout = 30_000 });
    }

    /// <summary>
    /// The site's operator (an admin, <see cref="PublishedSite.OperatorEmail"/>), signed in: signed
    /// up and confirmed by the first journey that needs them, only signed in after that.
    /// </summary>
    public static async Task<IPage> OperatorAsync(this BrowserSession session, PublishedSite site)
    {
        var person = new Person("Site Operator", PublishedSite.OperatorEmail, "correct horse battery staple");
        var page = await session.NewPageAsync("operator");
        await OperatorGate.WaitAsync();
        try
        {
            if (!site.OperatorSignedUp)
            {
                await page.SignUpAndConfirmAsync(site, person);
                site.OperatorSignedUp = true;
            }
        }
        finally
        {
            OperatorGate.Release();
        }

        await page.SignInAsync(person);
        return page;
    }

    /// <summary>On the Simulated payments page, moves Stripe's clock by one of its buttons (advance-day, -week, -month, -renewal).</summary>
    public static async Task AdvanceSimulatedClockAsync(this IPage operatorPage, string button)
    {
        await operatorPage.GotoAsync("/admin/payments");
        await operatorPage.Locator($"[data-test={button}]").ClickAsync();
        await Expect(operatorPage.GetByRole(AriaRole.Status)).ToContainTextAsync("Simulated time is now");
    }

    /// <summary>Opens <paramref name="url"/> again until <paramref name="selector"/> shows <paramref name="text"/> (a webhook landing), for up to 30 s.</summary>
    public static async Task ReloadUntilAsync(this IPage page, string url, string selector, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await page.GotoAsync(url);
            var content = await page.Locator(selector).First.TextContentAsync() ?? "";
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

    /// <summary>From "Your memberships": Manage membership, then "Cancel plan" in Stripe's portal, and back on the site.</summary>
    public static async Task CancelInPortalAsync(this IPage page, PublishedSite site)
    {
        await page.GotoAsync("/account/memberships");
        await page.GetByRole(AriaRole.Button, new() { Name = "Manage membership" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^http://127\\.0\\.0\\.1:{site.EmulatorPort}/"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel plan" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(site.BaseUrl)}/"));
    }

    /// <summary>Waits up to 30 s for <paramref name="condition"/>.</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what)
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

    /// <summary>How many emails to <paramref name="to"/> whose subject starts with <paramref name="subjectStart"/> are in the site's pickup folder.</summary>
    public static int EmailCount(this PublishedSite site, string to, string subjectStart) => Directory.Exists(site.MailDirectory)
        ? Directory.EnumerateFiles(site.MailDirectory, "*.eml").Count(file =>
        {
            using var message = MimeKit.MimeMessage.Load(file);
            return message.To.Mailboxes.Any(m => string.Equals(m.Address, to, StringComparison.OrdinalIgnoreCase))
                && (message.Subject ?? "").StartsWith(subjectStart, StringComparison.Ordinal);
        })
        : 0;

    private static readonly SemaphoreSlim OperatorGate = new(1, 1);
}
