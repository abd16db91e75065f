using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Membership.StripeEmulator.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Membership.StripeEmulator;

/// <summary>
/// A stateful stand-in for the part of the Stripe API the site uses, served by Kestrel on 127.0.0.1:
/// in memory, or kept in a file with <see cref="StripeEmulatorOptions.StateDirectory"/>. Point Stripe.net at
/// <see cref="BaseUrl"/> (<c>StripeClientOptions.ApiBase</c>) with any <c>sk_test_</c> key. See README.md next to this file.
/// </summary>
public sealed class StripeEmulator : IAsyncDisposable
{
    /// <summary>The API version Stripe.net 53.1.0 targets (stamped on events and echoed as <c>Stripe-Version</c>).</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";

    private readonly WebApplication _app;
    private readonly EmulatorState _state;
    private readonly Billing _billing;
    private readonly HostedPages _hosted;
    private readonly CancellationTokenSource _stopping;
    private readonly StateStore? _store;
    private int _disposed;

    private StripeEmulator(WebApplication app, EmulatorState state, Billing billing, HostedPages hosted, FaultSwitches faults, CancellationTokenSource stopping, StateStore? store)
    {
        _app = app;
        _state = state;
        _billing = billing;
        _hosted = hosted;
        Faults = faults;
        _stopping = stopping;
        _store = store;
    }

    /// <summary>
    /// Starts Kestrel on 127.0.0.1 (<see cref="StripeEmulatorOptions.Port"/>, 0 = a free port) and the webhook delivery loop.
    /// With <see cref="StripeEmulatorOptions.StateDirectory"/> the saved state is loaded first (an unreadable file throws
    /// <see cref="InvalidDataException"/>); a fixed port that is taken throws <see cref="StripeEmulatorPortInUseException"/>.
    /// </summary>
    public static async Task<StripeEmulator> StartAsync(StripeEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StripeEmulatorOptions();
        var store = string.IsNullOrWhiteSpace(options.StateDirectory) ? null : StateStore.Open(options.StateDirectory);
        WebApplication? app = null;
        var stopping = new CancellationTokenSource();
        try
        {
            // Read the saved state before taking the port, so a bad file fails fast and names itself.
            var savedText = store?.ReadText();
            var saved = savedText is null ? null : store!.Parse(savedText);

            var clock = new EmulatorClock(options.StartTime, options.FreezeClock, options.WallClock is { } wall ? wall.GetUtcNow : null);
            var webhooks = new WebhookSettings(options);
            var state = new EmulatorState(options, clock, webhooks);
            var billing = new Billing(state);
            var hosted = new HostedPages(state, billing);
            var faults = new FaultSwitches();
            var routes = new ApiRoutes();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(StripeEmulator).Assembly.GetName().Name });
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, options.Port);
                k.AllowSynchronousIO = false;
            });
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
            app = builder.Build();
            // Requests that arrive before the saved state is loaded wait for it.
            var frontend = new HttpFrontend(state, billing, faults, routes, hosted, ready.Task, stopping.Token);
            app.Run(frontend.HandleAsync);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (options.Port > 0 && IsAddressInUse(e))
            {
                throw new StripeEmulatorPortInUseException(options.Port, e);
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
            state.BaseUrl = new Uri($"http://127.0.0.1:{uri.Port}/");
            webhooks.FindEvent = id =>
            {
                lock (state.Gate)
                {
                    return state.FindEvent(id);
                }
            };

            lock (state.Gate)
            {
                if (saved is not null)
                {
                    // Stored JSON (events, idempotent replies) carries the old address; hosted pages are rendered from BaseUrl.
                    var baseUrl = state.BaseUrl.ToString();
                    if (saved.BaseUrl.Length > 0 && saved.BaseUrl != baseUrl)
                    {
                        saved = store!.Parse(savedText!.Replace(saved.BaseUrl, baseUrl, StringComparison.Ordinal));
                    }

                    state.Import(saved);
                    clock.Import(saved.ClockFrozenAt, saved.ClockOffset);
                    webhooks.Import(saved.Webhooks, keepConfiguredSecret: !string.IsNullOrWhiteSpace(options.WebhookSecret));
                }
                else
                {
                    CreatePlatformAccount(state, options);
                }

                state.Store = store;
                state.MarkDirty();
                state.Checkpoint();
            }

            clock.Advanced = () =>
            {
                lock (state.Gate)
                {
                    billing.ProcessDue();
                    state.MarkDirty();
                    state.Checkpoint();
                }
            };
            clock.Changed = () =>
            {
                lock (state.Gate)
                {
                    state.MarkDirty();
                    state.Checkpoint();
                }
            };
            webhooks.StateChanged = () =>
            {
                lock (state.Gate)
                {
                    state.MarkDirty();
                    try
                    {
                        state.Checkpoint();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // The delivery loop must go on; the state stays dirty and the next save tries again.
                    }
                }
            };
            ready.SetResult();
            webhooks.Start(stopping.Token);
            return new StripeEmulator(app, state, billing, hosted, faults, stopping, store);
        }
        catch
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            stopping.Dispose();
            store?.Dispose();
            throw;
        }
    }

    private static void CreatePlatformAccount(EmulatorState state, StripeEmulatorOptions options)
    {
        var platform = state.Add(new AccountEntity
        {
            Id = EmulatorState.NewId("acct_", 16),
            Created = state.Clock.UnixNow,
            Type = "standard",
            IsPlatform = true,
            ChargesEnabled = true,
            PayoutsEnabled = true,
            DetailsSubmitted = true,
            BusinessName = options.PlatformName,
        });
        platform.RequestedCapabilities.Add("card_payments");
        platform.RequestedCapabilities.Add("transfers");
        state.PlatformAccountId = platform.Id;
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is AddressInUseException || x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41873/</c> — use as Stripe.net's ApiBase (and ConnectBase/FilesBase).</summary>
    public Uri BaseUrl => _state.BaseUrl;

    /// <summary><see cref="BaseUrl"/> without the trailing slash: what Stripe.net's ApiBase, ConnectBase and FilesBase expect.</summary>
    public string ApiBase => _state.BaseUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>The emulator's time; advancing it renews, retries, ends trials and cancellations.</summary>
    public EmulatorClock Clock => _state.Clock;

    /// <summary>Webhook endpoint, secret, switches and delivery log.</summary>
    public WebhookSettings Webhooks => _state.Webhooks;

    /// <summary>Make the next API requests fail, rate-limit or hang.</summary>
    public FaultSwitches Faults { get; }

    public StripeEmulatorOptions Options => _state.Options;

    /// <summary>The state file (under <see cref="StripeEmulatorOptions.StateDirectory"/>), or null when the state is in memory only.</summary>
    public string? StateFile => _store?.FilePath;

    /// <summary>The id of the platform account (what <c>GET /v1/account</c> returns without <c>Stripe-Account</c>).</summary>
    public string PlatformAccountId => _state.PlatformAccountId;

    /// <summary>Every API request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_state.Gate)
            {
                return _state.Requests.ToList();
            }
        }
    }

    /// <summary>Every event created, in order (also listed by <c>GET /v1/events</c>).</summary>
    public IReadOnlyList<EmulatedEvent> Events
    {
        get
        {
            lock (_state.Gate)
            {
                return _state.Events.ToList();
            }
        }
    }

    /// <summary>
    /// The earliest instant at which the clock has work to do — a renewal, a trial end, a cancellation at period end,
    /// a payment retry or a Checkout expiring — or null when nothing is scheduled. <c>Clock.AdvanceTo(NextDueAt)</c>
    /// does that work.
    /// </summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            lock (_state.Gate)
            {
                return _billing.Upcoming(1) is [var first] ? first.At : null;
            }
        }
    }

    /// <summary>The work scheduled next, soonest first (at most <paramref name="max"/> items).</summary>
    public IReadOnlyList<DueWork> Upcoming(int max = 20)
    {
        lock (_state.Gate)
        {
            return _billing.Upcoming(max);
        }
    }

    /// <summary>
    /// The newest events (newest first, at most <paramref name="count"/>) with what became of their webhooks: each
    /// copy's delivery (attempts, last status or error, when) and an overall state. Kept across restarts with
    /// <see cref="StripeEmulatorOptions.StateDirectory"/>.
    /// </summary>
    public IReadOnlyList<EventDelivery> RecentEvents(int count = 50)
    {
        List<EmulatedEvent> events;
        lock (_state.Gate)
        {
            events = _state.Events.Reverse().Take(count).ToList();
        }

        var held = Webhooks.Held.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var deliveries = Webhooks.Deliveries.ToLookup(d => d.EventId, StringComparer.Ordinal);
        return events.Select(e =>
        {
            var copies = deliveries[e.Id].ToList();
            EventDeliveryState state;
            if (held.Contains(e.Id))
            {
                state = EventDeliveryState.Held;
            }
            else if (copies.Count == 0)
            {
                state = EventDeliveryState.NotSent;
            }
            else if (copies.FirstOrDefault(d => d.Status == WebhookDeliveryStatus.Pending) is { } owed)
            {
                state = owed.Attempts == 0 ? EventDeliveryState.Pending : EventDeliveryState.Retrying;
            }
            else
            {
                state = copies.Any(d => d.Status == WebhookDeliveryStatus.Delivered) ? EventDeliveryState.Delivered : EventDeliveryState.Failed;
            }

            return new EventDelivery(e, state, copies);
        }).ToList();
    }

    /// <summary>The current JSON of any object by id (any account), or null.</summary>
    public JsonObject? GetObject(string id)
    {
        lock (_state.Gate)
        {
            return _state.Find(id)?.Render(new RenderContext(_state));
        }
    }

    /// <summary>Ids of all objects of a Stripe type (e.g. "product", "customer", "subscription", "invoice", "checkout.session"), any account, oldest first.</summary>
    public IReadOnlyList<string> ObjectIds(string objectType)
    {
        lock (_state.Gate)
        {
            return _state.Everything.Where(e => e.ObjectType == objectType).Select(e => e.Id).ToList();
        }
    }

    /// <summary>Requests that carried the given Idempotency-Key.</summary>
    public IReadOnlyList<RecordedRequest> RequestsWithIdempotencyKey(string key) =>
        Requests.Where(r => r.IdempotencyKey == key).ToList();

    /// <summary>Does what submitting the hosted checkout page does. Throws <see cref="StripeEmulatorException"/> for a declined card (nothing created).</summary>
    public CheckoutResult CompleteCheckout(string sessionId, string cardNumber = TestCards.Success, string? email = null, string? name = null)
    {
        lock (_state.Gate)
        {
            _billing.ProcessDue();
            var session = _state.Find<CheckoutSessionEntity>(sessionId) ?? throw new StripeEmulatorException($"No such checkout.session: '{sessionId}'", "resource_missing", statusCode: 404);
            try
            {
                return _billing.CompleteCheckout(session, cardNumber, email ?? "customer@example.test", name);
            }
            catch (ApiError e)
            {
                throw new StripeEmulatorException(e.Message, e.Code, e.DeclineCode, e.Status);
            }
            finally
            {
                _state.Checkpoint();
            }
        }
    }

    /// <summary>Does what the hosted Express onboarding page's "Complete onboarding" does (charges and payouts enabled, account.updated).</summary>
    public void CompleteOnboarding(string accountId)
    {
        lock (_state.Gate)
        {
            var account = _state.Find<AccountEntity>(accountId);
            if (account is null || account.IsPlatform)
            {
                throw new StripeEmulatorException($"No such connected account: '{accountId}'", "resource_missing", statusCode: 404);
            }

            _hosted.CompleteOnboarding(account);
            _state.Checkpoint();
        }
    }

    /// <summary>
    /// The price ids the hosted billing portal offers as plan changes for a subscription, under its account's default
    /// portal configuration (what a session made without <c>configuration</c> shows).
    /// </summary>
    public IReadOnlyList<string> PortalPlanChoices(string subscriptionId)
    {
        lock (_state.Gate)
        {
            var sub = FindSubscription(subscriptionId);
            return _hosted.PlanChoices(sub, PortalConfigurationEntity.Default(_state, sub.Scope, create: false)).Select(p => p.Id).ToList();
        }
    }

    /// <summary>The price ids a given portal session (and so its configuration) offers as plan changes for a subscription.</summary>
    public IReadOnlyList<string> PortalPlanChoices(string subscriptionId, string portalSessionId)
    {
        lock (_state.Gate)
        {
            var sub = FindSubscription(subscriptionId);
            var session = _state.Find<PortalSessionEntity>(portalSessionId) ?? throw new StripeEmulatorException($"No such billing_portal.session: '{portalSessionId}'", "resource_missing", statusCode: 404);
            return _hosted.PlanChoices(sub, _hosted.ConfigurationOf(session)).Select(p => p.Id).ToList();
        }
    }

    private SubscriptionEntity FindSubscription(string id) =>
        _state.Find<SubscriptionEntity>(id) ?? throw new StripeEmulatorException($"No such subscription: '{id}'", "resource_missing", statusCode: 404);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Webhooks.StopAsync().ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        lock (_state.Gate)
        {
            // Deliveries cut off mid-POST were put back in the queue: save them with the rest.
            _state.MarkDirty();
            _state.Checkpoint();
            _state.Store = null;
        }

        _store?.Dispose();
        _stopping.Dispose();
    }
}
