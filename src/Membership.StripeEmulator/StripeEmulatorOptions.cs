namespace Membership.StripeEmulator;

/// <summary>Settings fixed when the emulator starts (see <see cref="StripeEmulator.StartAsync"/>).</summary>
public sealed class StripeEmulatorOptions
{
    /// <summary>
    /// Loopback port to listen on; 0 picks a free one (read <see cref="StripeEmulator.BaseUrl"/>). A fixed port
    /// that something else holds makes <see cref="StripeEmulator.StartAsync"/> throw <see cref="StripeEmulatorPortInUseException"/>.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// A folder for the emulator's state file. Null (the default): everything is in memory and gone when the
    /// emulator stops (tests). Set: objects, events, idempotent results, webhook deliveries and the clock are
    /// saved after every change and loaded again on start, so a restarted process carries on where it stopped.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// What the emulator takes as real time (Stripe checks a Checkout's <c>expires_at</c> against it);
    /// null: the system's. A test whose site runs on a test clock passes that clock.
    /// </summary>
    public TimeProvider? WallClock { get; set; }

    /// <summary>The emulator's time at start; defaults to the real time.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>
    /// When true the emulator's clock stands still until advanced (deterministic tests);
    /// when false it runs with real time plus whatever was advanced.
    /// </summary>
    public bool FreezeClock { get; set; }

    /// <summary>Webhook endpoint receiving every event; can also be set later on <see cref="StripeEmulator.Webhooks"/>.</summary>
    public Uri? WebhookEndpoint { get; set; }

    /// <summary>Signing secret (<c>whsec_...</c>); generated when empty.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Optional handler that webhook POSTs go through (e.g. WebApplicationFactory's server handler).</summary>
    public HttpMessageHandler? WebhookHandler { get; set; }

    /// <summary>First webhook retry delay after a failed delivery; doubles each attempt up to <see cref="WebhookRetryMaxDelay"/>.</summary>
    public TimeSpan WebhookRetryInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan WebhookRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Delivery attempts per event (first try included) before the event is given up as failed.</summary>
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>How long one webhook POST may take before it counts as failed.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When a renewal payment fails, the retries happen this long after the first failed attempt
    /// (default +3, +5 and +7 days: four attempts in all).
    /// </summary>
    public IReadOnlyList<TimeSpan> PaymentRetrySchedule { get; set; } =
        [TimeSpan.FromDays(3), TimeSpan.FromDays(5), TimeSpan.FromDays(7)];

    /// <summary>What happens to a subscription once the last scheduled retry has failed.</summary>
    public FinalPaymentFailureAction FinalPaymentFailureAction { get; set; } = FinalPaymentFailureAction.Cancel;

    /// <summary>
    /// The billing portal offers, as plan changes, the active recurring prices (same account, same currency)
    /// of the subscribed product, plus those of every product whose metadata under this key has the same
    /// value as the subscribed product's (e.g. <c>creator_id</c>). Null: only the same product.
    /// </summary>
    public string? PortalProductFamilyMetadataKey { get; set; }

    /// <summary>Proration behaviour for plan changes made in the hosted billing portal (Stripe's default: create_prorations).</summary>
    public string PortalProrationBehavior { get; set; } = "create_prorations";

    /// <summary>API version stamped on events; defaults to the version Stripe.net 53.1.0 expects.</summary>
    public string ApiVersion { get; set; } = StripeEmulator.DefaultApiVersion;

    /// <summary>Display name of the platform account (shown on hosted pages).</summary>
    public string PlatformName { get; set; } = "Membership (emulated Stripe)";
}

/// <summary>What a subscription becomes after its last failed payment retry.</summary>
public enum FinalPaymentFailureAction
{
    /// <summary>Canceled, with <c>customer.subscription.deleted</c> (Stripe's default).</summary>
    Cancel,

    /// <summary>Status <c>unpaid</c>, with <c>customer.subscription.updated</c>; it stops renewing until paid.</summary>
    MarkUnpaid,

    /// <summary>Stays <c>past_due</c>.</summary>
    LeavePastDue,
}
