using Membership.StripeEmulator;
using Membership.Web.Infrastructure.Database;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Stripe;

namespace Membership.Web.Infrastructure.Stripe;

/// <summary>
/// Where Stripe is: the real API with <c>Stripe:SecretKey</c>, or else the built-in emulator on
/// <c>Stripe:EmulatorPort</c>, its state kept under the data folder and its webhooks sent to this
/// site (the host starts it with the site, <see cref="EmulatorStartup"/>; the first call starts it
/// otherwise). Either way the site talks to it through the same Stripe.net client.
/// </summary>
public sealed class StripeEndpoint(
    IOptions<StripeSettings> options, IServer server, IConfiguration configuration, IHostEnvironment environment, ILogger<StripeEndpoint> logger) : IAsyncDisposable
{
    public const string EmulatorApiKey = "sk_test_membership_emulator";

    private readonly StripeSettings _settings = options.Value;
    private readonly SemaphoreSlim _starting = new(1, 1);
    private StripeEmulator.StripeEmulator? _emulator;
    private StripeClient? _client;

    /// <summary>True when no secret key is set: payments are simulated and nobody is charged.</summary>
    public bool IsSimulated => string.IsNullOrWhiteSpace(_settings.SecretKey);

    /// <summary>
    /// Where Stripe's hosted pages live, for the Content-Security-Policy: Stripe's own domains, or
    /// the emulator (always on loopback, its port chosen at start), or a configured API base.
    /// </summary>
    public string HostedPageSources
    {
        get
        {
            if (IsSimulated)
            {
                return _settings.EmulatorPort > 0 ? $"http://127.0.0.1:{_settings.EmulatorPort}" : "http://127.0.0.1:*";
            }

            var sources = "https://checkout.stripe.com https://billing.stripe.com https://connect.stripe.com";
            return Uri.TryCreate(_settings.ApiBase, UriKind.Absolute, out var apiBase)
                ? $"{sources} {apiBase.GetLeftPart(UriPartial.Authority)}"
                : sources;
        }
    }

    /// <summary>The running emulator, when simulated and started.</summary>
    public StripeEmulator.StripeEmulator? Emulator => _emulator;

    public async Task<StripeClient> ClientAsync(CancellationToken cancellationToken = default)
    {
        if (_client is not null)
        {
            return _client;
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_client is not null)
            {
                return _client;
            }

            var apiBase = _settings.ApiBase;
            var apiKey = _settings.SecretKey;
            if (IsSimulated)
            {
                _emulator = await StartEmulatorAsync(cancellationToken);
                apiBase = _emulator.ApiBase;
                apiKey = EmulatorApiKey;
            }

            var http = new HttpClient { Timeout = TimeSpan.FromSeconds(_settings.TimeoutSeconds) };
            var clientOptions = new StripeClientOptions
            {
                ApiKey = apiKey,
                HttpClient = new SystemNetHttpClient(http, _settings.MaxNetworkRetries),
            };
            if (!string.IsNullOrWhiteSpace(apiBase))
            {
                clientOptions.ApiBase = apiBase.TrimEnd('/');
                clientOptions.ConnectBase = apiBase.TrimEnd('/');
                clientOptions.FilesBase = apiBase.TrimEnd('/');
            }

            _client = new StripeClient(clientOptions);
            return _client;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// The secrets webhooks may be signed with: the configured ones (the platform endpoint's and,
    /// for <c>account.updated</c>, the Connect endpoint's, comma-separated), or the emulator's.
    /// </summary>
    public IReadOnlyList<string> WebhookSecrets =>
        IsSimulated
            ? _emulator is null ? [] : [_emulator.Webhooks.Secret]
            : _settings.WebhookSecret.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<StripeEmulator.StripeEmulator> StartEmulatorAsync(CancellationToken cancellationToken)
    {
        var webhooks = WebhookUrl();
        StripeEmulator.StripeEmulator emulator;
        try
        {
            emulator = await StripeEmulator.StripeEmulator.StartAsync(new StripeEmulatorOptions
            {
                Port = _settings.EmulatorPort,
                // Its customers, prices, subscriptions, clock and owed webhooks outlive a restart,
                // as the ids this site stores of them do.
                StateDirectory = string.IsNullOrWhiteSpace(_settings.EmulatorStateDirectory)
                    ? null
                    : Path.Combine(DatabaseSetup.DataDirectory(configuration, environment), _settings.EmulatorStateDirectory),
                WebhookEndpoint = webhooks,
            }, cancellationToken);
        }
        catch (StripeEmulatorPortInUseException exception)
        {
            throw new InvalidOperationException(
                $"{exception.Message} Set Stripe:EmulatorPort to a free port (0 picks any), or stop the other copy of the site using it.", exception);
        }

        logger.LogWarning(
            "No Stripe:SecretKey: payments are simulated by the built-in Stripe emulator at {EmulatorUrl}, webhooks to {WebhookUrl}",
            emulator.BaseUrl, webhooks);
        return emulator;
    }

    /// <summary>This site's webhook endpoint on the address it listens on (the emulator runs beside it).</summary>
    private Uri? WebhookUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return null;
        }

        // "http://+:8080", "http://[::]:8080" and "http://0.0.0.0:8080" all answer on loopback.
        var uri = new Uri(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1"));
        return new Uri(uri, "/webhooks/stripe");
    }

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }

        _starting.Dispose();
    }
}

/// <summary>The metadata keys the site puts on Stripe objects (and reads back only as hints: prices decide tiers).</summary>
public static class StripeMetadata
{
    public const string CreatorId = "creator_id";
    public const string TierId = "tier_id";
    public const string TierPriceId = "tier_price_id";
    public const string UserId = "user_id";
    public const string CheckoutAttemptId = "checkout_attempt_id";
}
