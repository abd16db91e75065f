using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stripe;

namespace Membership.StripeEmulator.Tests;

/// <summary>A webhook endpoint on its own loopback Kestrel server that records what it receives.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Decides the status code for each delivery (default 200).</summary>
    public Func<ReceivedWebhook, int> Respond { get; set; } = _ => 200;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WebhookReceiver? self = null;
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            var received = new ReceivedWebhook(body, ctx.Request.Headers["Stripe-Signature"].ToString(), ctx.Request.Headers.ContentType.ToString());
            self!._received.Enqueue(received);
            ctx.Response.StatusCode = self.Respond(received);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new WebhookReceiver(app, new Uri(new Uri(address), "/webhooks/stripe"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(string Body, string Signature, string ContentType)
{
    public Event Verify(string secret) => EventUtility.ConstructEvent(Body, Signature, secret);

    public string Type => System.Text.Json.Nodes.JsonNode.Parse(Body)!["type"]!.GetValue<string>();

    public string EventId => System.Text.Json.Nodes.JsonNode.Parse(Body)!["id"]!.GetValue<string>();
}

/// <summary>An emulator, a webhook receiver and a Stripe.net client pointed at the emulator.</summary>
public sealed class Harness : IAsyncDisposable
{
    public const string ApiKey = "sk_test_emulator";

    private Harness(StripeEmulator emulator, WebhookReceiver receiver, StripeClient client)
    {
        Emulator = emulator;
        Receiver = receiver;
        Client = client;
        Pages = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public StripeEmulator Emulator { get; }

    public WebhookReceiver Receiver { get; }

    public StripeClient Client { get; }

    /// <summary>A browser stand-in for the hosted pages (does not follow redirects).</summary>
    public HttpClient Pages { get; }

    public static async Task<Harness> StartAsync(Action<StripeEmulatorOptions>? configure = null)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var options = new StripeEmulatorOptions
        {
            FreezeClock = true,
            StartTime = new DateTimeOffset(2030, 1, 15, 12, 0, 0, TimeSpan.Zero),
            WebhookEndpoint = receiver.Url,
            WebhookRetryInitialDelay = TimeSpan.FromMilliseconds(20),
            WebhookRetryMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        var emulator = await StripeEmulator.StartAsync(options);
        return new Harness(emulator, receiver, NewClient(emulator));
    }

    public static StripeClient NewClient(StripeEmulator emulator, int maxNetworkRetries = 0, TimeSpan? timeout = null, string apiKey = ApiKey) =>
        new(new StripeClientOptions
        {
            ApiKey = apiKey,
            ApiBase = emulator.ApiBase,
            ConnectBase = emulator.ApiBase,
            FilesBase = emulator.ApiBase,
            HttpClient = new SystemNetHttpClient(new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) }, maxNetworkRetries),
        });

    public async Task<Price> CreateMonthlyPriceAsync(long amount = 1000, string name = "Gold tier", RequestOptions? requestOptions = null, string? productId = null, string interval = "month")
    {
        productId ??= (await new ProductService(Client).CreateAsync(new ProductCreateOptions { Name = name }, requestOptions)).Id;
        return await new PriceService(Client).CreateAsync(
            new PriceCreateOptions
            {
                Product = productId,
                Currency = "usd",
                UnitAmount = amount,
                Recurring = new PriceRecurringOptions { Interval = interval },
            },
            requestOptions);
    }

    public Task<Stripe.Checkout.Session> CreateCheckoutAsync(string priceId, Action<Stripe.Checkout.SessionCreateOptions>? configure = null, RequestOptions? requestOptions = null)
    {
        var options = new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "subscription",
            ClientReferenceId = "member-7",
            Metadata = new Dictionary<string, string> { ["member_id"] = "7" },
            LineItems = [new Stripe.Checkout.SessionLineItemOptions { Price = priceId, Quantity = 1 }],
            SuccessUrl = "https://site.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
            CancelUrl = "https://site.test/billing/cancel",
        };
        configure?.Invoke(options);
        return new Stripe.Checkout.SessionService(Client).CreateAsync(options, requestOptions);
    }

    /// <summary>Submits the hosted checkout form with a card, as a browser would.</summary>
    public Task<HttpResponseMessage> PayAsync(string checkoutUrl, string card, string email = "fan@example.test") =>
        Pages.PostAsync(checkoutUrl, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["card_number"] = card,
            ["card_expiry"] = "12 / 34",
            ["card_cvc"] = "123",
            ["cardholder_name"] = "Fan Person",
        }));

    /// <summary>Creates a $10/month price and completes checkout with the card; returns the active subscription.</summary>
    public async Task<Subscription> SubscribeAsync(string card = TestCards.Success, long amount = 1000, Action<Stripe.Checkout.SessionCreateOptions>? configure = null, Price? price = null)
    {
        price ??= await CreateMonthlyPriceAsync(amount);
        var session = await CreateCheckoutAsync(price.Id, configure);
        using var response = await PayAsync(session.Url, card);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        session = await new Stripe.Checkout.SessionService(Client).GetAsync(session.Id);
        return await new SubscriptionService(Client).GetAsync(session.SubscriptionId);
    }

    public Task WebhooksIdleAsync() => Emulator.Webhooks.WaitForIdleAsync(TimeSpan.FromSeconds(10));

    /// <summary>The webhooks received so far, verified with Stripe.net's EventUtility.</summary>
    public async Task<List<Event>> VerifiedEventsAsync()
    {
        await WebhooksIdleAsync();
        return Receiver.Received.Select(r => r.Verify(Emulator.Webhooks.Secret)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Pages.Dispose();
        await Emulator.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

public static class Wait
{
    /// <summary>Polls a condition until it holds or the timeout passes (no fixed sleeps in tests).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(10);
        }
    }
}
