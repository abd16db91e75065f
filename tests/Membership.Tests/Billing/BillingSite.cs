using System.Net;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.StripeEmulator;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Emulator = Membership.StripeEmulator.StripeEmulator;

namespace Membership.Tests.Billing;

/// <summary>
/// The site configured as for real Stripe (secret key, webhook secret), but with its API base on
/// a Stripe emulator started for the test, whose webhooks reach the site in-process. The
/// emulator's clock stands still until the test moves it.
/// </summary>
public sealed class BillingSite : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider? _siteClock;

    private BillingSite(Emulator emulator, MembershipFactory site, TimeProvider? siteClock)
    {
        _siteClock = siteClock;
        Emulator = emulator;
        Site = site;
        Stripe = new StripeClient(new StripeClientOptions
        {
            ApiKey = "sk_test_membership_tests",
            ApiBase = emulator.ApiBase,
            ConnectBase = emulator.ApiBase,
            FilesBase = emulator.ApiBase,
        });
    }

    public Emulator Emulator { get; private set; }

    /// <summary>
    /// A Stripe that has forgotten everything (as after the emulator's folder is deleted, or a
    /// switch from test keys to live keys): a fresh emulator at the same address, with the same
    /// webhook secret, and none of the objects the site has ids of.
    /// </summary>
    public async Task ForgetStripeAsync()
    {
        var old = Emulator;
        var port = old.BaseUrl.Port;
        var secret = old.Webhooks.Secret;
        await old.DisposeAsync();
        var options = NewOptions(_siteClock);
        options.Port = port;
        options.WebhookSecret = secret;
        Emulator = await Emulator.StartAsync(options);
        Emulator.Webhooks.Handler = Site.Server.CreateHandler();
        Emulator.Clock.AdvanceTo(old.Clock.UtcNow);
    }

    public MembershipFactory Site { get; }

    /// <summary>A Stripe.net client of the test's own, for what a fan does in Stripe's pages (portal changes, refunds by the creator).</summary>
    public StripeClient Stripe { get; }

    public static async Task<BillingSite> StartAsync(
        Action<IServiceCollection>? testServices = null, IDictionary<string, string?>? settings = null, Action<StripeEmulatorOptions>? emulatorOptions = null,
        TimeProvider? siteClock = null)
    {
        var options = NewOptions(siteClock);
        emulatorOptions?.Invoke(options);
        var emulator = await Emulator.StartAsync(options);
        var all = new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = "sk_test_membership_site",
            ["Stripe:WebhookSecret"] = emulator.Webhooks.Secret,
            ["Stripe:ApiBase"] = emulator.ApiBase,
            ["Stripe:MaxNetworkRetries"] = "2",
            ["Platform:FeePercent"] = "10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var site = new MembershipFactory { ExtraSettings = all, TestServices = testServices, Clock = siteClock };
        emulator.Webhooks.Handler = site.Server.CreateHandler();
        return new BillingSite(emulator, site, siteClock);
    }

    private static StripeEmulatorOptions NewOptions(TimeProvider? siteClock) => new()
    {
        FreezeClock = true,
        StartTime = Start,
        WebhookEndpoint = new Uri("http://localhost/webhooks/stripe"),
        WebhookRetryInitialDelay = TimeSpan.FromMilliseconds(100),
        WebhookRetryMaxDelay = TimeSpan.FromMilliseconds(400),
        // The site's "now" is the real time Stripe checks expiry dates against.
        WallClock = siteClock,
    };

    /// <summary>Waits until every webhook was delivered, then runs the event jobs (the tests' Hangfire worker).</summary>
    public async Task SettleAsync()
    {
        await Emulator.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(20));
        await using var scope = Site.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<StripeEventProcessor>().ProcessPendingAsync(CancellationToken.None);
    }

    /// <summary>Moves Stripe's clock (renewals, retries, period ends happen) and settles.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Emulator.Clock.Advance(by);
        await SettleAsync();
    }

    /// <summary>A creator with a page, the given tiers (name → monthly price), and payouts connected.</summary>
    public async Task<CreatorSetup> CreatorAsync(bool connect = true, params (string Name, string Monthly, string Yearly, string Cap)[] tiers)
    {
        var browser = Site.CreateBrowser();
        var email = Unique.Email("creator");
        await browser.RegisterAsync(email, name: "Creator Person");
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);
        foreach (var tier in tiers.Length == 0 ? [("Bronze", "5.00", "", ""), ("Gold", "15.00", "150.00", "")] : tiers)
        {
            var created = await browser.CreateTierAsync(TestBrowser.TierFields(tier.Name, tier.Monthly, tier.Yearly, tier.Cap));
            Assert.Equal(HttpStatusCode.Redirect, created.Status);
        }

        var setup = new CreatorSetup(this, browser, handle, email, await Site.WithDbAsync(db =>
            db.Tiers.Where(t => t.Creator!.Handle == handle).ToDictionaryAsync(t => t.Name, t => t.Id)));
        if (connect)
        {
            await setup.ConnectPayoutsAsync();
        }

        return setup;
    }

    /// <summary>A signed-in fan.</summary>
    public async Task<Fan> FanAsync(string prefix = "fan")
    {
        var browser = Site.CreateBrowser();
        var email = Unique.Email(prefix);
        await browser.RegisterAsync(email, name: "Fan " + prefix);
        return new Fan(this, browser, email);
    }

    public Task<T> DbAsync<T>(Func<Membership.Data.MembershipDbContext, Task<T>> query) => Site.WithDbAsync(query);

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        await Site.DisposeAsync();
    }
}

public sealed record CreatorSetup(BillingSite Billing, TestBrowser Browser, string Handle, string Email, Dictionary<string, int> Tiers)
{
    public async Task ConnectPayoutsAsync()
    {
        var start = await Browser.SubmitAsync("/creator/payouts", "/creator/payouts", []);
        Assert.Equal(HttpStatusCode.Redirect, start.Status);
        Assert.StartsWith(Billing.Emulator.BaseUrl.ToString().TrimEnd('/'), start.Location);
        var accountId = await Billing.DbAsync(db => db.Creators.Where(c => c.Handle == Handle).Select(c => c.StripeAccountId).SingleAsync());
        Billing.Emulator.CompleteOnboarding(accountId!);
        var back = await Browser.GetAsync("/creator/payouts/return");
        Assert.Equal(HttpStatusCode.Redirect, back.Status);
        Assert.True(await Billing.DbAsync(db => db.Creators.Where(c => c.Handle == Handle).Select(c => c.ChargesEnabled).SingleAsync()));
    }

    /// <summary>Publishes a post for paying members with <paramref name="secret"/> below the cut; returns its path.</summary>
    public async Task<string> PublishPaidPostAsync(string secret)
    {
        var title = "Paid " + Guid.NewGuid().ToString("N")[..8];
        var page = await Browser.SubmitAsync("/creator/posts/new", "/creator/posts/new", new Dictionary<string, string>
        {
            ["Form.Title"] = title,
            ["Form.Body"] = $"Teaser\n\n<!--members-only-->\n\n{secret}",
            ["Form.Access"] = "Paid",
            ["Form.Intent"] = "Publish",
        });
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        return $"/{Handle}/posts/{title.ToLowerInvariant().Replace(' ', '-')}";
    }

    /// <summary>Where the Join form is.</summary>
    public string JoinPage(string tier) => $"/{Handle}/join/{Tiers[tier]}";
}

public sealed partial record Fan(BillingSite Billing, TestBrowser Browser, string Email)
{
    /// <summary>Submits the Join form; returns the site's answer (a redirect to Checkout when it worked).</summary>
    public Task<Page> StartJoinAsync(CreatorSetup creator, string tier, string interval = "month") =>
        Browser.SubmitAsync(creator.JoinPage(tier), creator.JoinPage(tier), new Dictionary<string, string> { ["Form.Interval"] = interval });

    /// <summary>Joins and pays on the emulator's Checkout with <paramref name="card"/>; then the webhooks are handled.</summary>
    public async Task<CheckoutResult> JoinAsync(CreatorSetup creator, string tier, string interval = "month", string card = TestCards.Success, bool settle = true)
    {
        var page = await StartJoinAsync(creator, tier, interval);
        Assert.True(page.Status == HttpStatusCode.Redirect, $"Join answered {(int)page.Status}: {page.Text}");
        var result = Billing.Emulator.CompleteCheckout(SessionIdIn(page.Location!), card);
        if (settle)
        {
            await Billing.SettleAsync();
        }

        return result;
    }

    public static string SessionIdIn(string checkoutUrl) => SessionId().Match(checkoutUrl).Value;

    public Task<Member?> MemberAsync(CreatorSetup creator) => Billing.DbAsync(db => db.Members.AsNoTracking()
        .SingleOrDefaultAsync(m => m.Creator!.Handle == creator.Handle && m.User!.Email == Email));

    public Task<List<MembershipChangeKind>> HistoryAsync(CreatorSetup creator) => Billing.DbAsync(db => db.MembershipChanges
        .Where(c => c.Member!.Creator!.Handle == creator.Handle && c.Member.User!.Email == Email)
        .OrderBy(c => c.OccurredAt).ThenBy(c => c.Id).Select(c => c.Kind).ToListAsync());

    public Task<List<Payment>> PaymentsAsync(CreatorSetup creator) => Billing.DbAsync(db => db.Payments.AsNoTracking()
        .Where(p => p.Member!.Creator!.Handle == creator.Handle && p.Member.User!.Email == Email)
        .OrderBy(p => p.PaidAt).ToListAsync());

    public Task<Membership.Data.Entities.Subscription> SubscriptionAsync(CreatorSetup creator) => Billing.DbAsync(db => db.Subscriptions.AsNoTracking()
        .SingleAsync(s => s.Member!.Creator!.Handle == creator.Handle && s.Member.User!.Email == Email));

    [GeneratedRegex("cs_test_[A-Za-z0-9]+")]
    private static partial Regex SessionId();
}
