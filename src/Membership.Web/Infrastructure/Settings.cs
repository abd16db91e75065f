using Membership.Data;

namespace Membership.Web.Infrastructure;

/// <summary>Section <c>App</c>: where the site lives and keeps its files.</summary>
public sealed class AppSettings
{
    /// <summary>Public address used in links that leave the site (emails). Required outside Development; there, empty means taken from the request.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Folder for the SQLite file, mail pickup and uploads; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>Section <c>Database</c>: which database and how to reach it.</summary>
public sealed class DatabaseSettings
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Empty with SQLite: <c>{DataDirectory}/membership.db</c>. Required for the others.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations when the site starts (otherwise run the <c>migrate</c> command).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminSettings
{
    /// <summary>Accounts with these emails get the admin role when they sign up (the first account always does).</summary>
    public string[] Emails { get; set; } = [];
}

/// <summary>Section <c>Email</c>.</summary>
public sealed class EmailSettings
{
    public string FromAddress { get; set; } = "no-reply@membership.local";

    public string FromName { get; set; } = "Membership";

    /// <summary>Where .eml files are written when no SMTP server is set. Empty: <c>{DataDirectory}/mail</c>.</summary>
    public string PickupDirectory { get; set; } = "";

    public SmtpSettings Smtp { get; set; } = new();

    public DeliverySettings Delivery { get; set; } = new();
}

/// <summary>Section <c>Email:Smtp</c>. With no <see cref="Host"/>, mail goes to the pickup folder.</summary>
public sealed class SmtpSettings
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>None | Auto | StartTls | StartTlsWhenAvailable | SslOnConnect (MailKit's SecureSocketOptions).</summary>
    public string Security { get; set; } = "StartTls";

    public string User { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Parallel SMTP connections a post delivery uses; each is opened once and reused.</summary>
    public int Connections { get; set; } = 4;

    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>Section <c>Email:Delivery</c>: how post deliveries are sent.</summary>
public sealed class DeliverySettings
{
    /// <summary>Recipients a sender claims at a time.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long a claim lasts; a sender that died frees its recipients when it expires. Must be
    /// longer than the slowest single send (the sender renews it before each send that could outlast it).
    /// </summary>
    public int LeaseSeconds { get; set; } = 600;

    /// <summary>Tries for one recipient whose message keeps failing (4xx for that recipient) before it is marked failed; backed off 1, 2, 4, 8… minutes.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first quick retry of a send (dropped connection, time-out, 4xx); doubles for each of the 3 quick retries.</summary>
    public int RetryDelayMilliseconds { get; set; } = 1000;
}

/// <summary>Section <c>Security</c>.</summary>
public sealed class SecuritySettings
{
    /// <summary>HTTPS redirect, HSTS and Secure-only cookies. Unset: on everywhere but Development.</summary>
    public bool? RequireHttps { get; set; }

    /// <summary>Failed password sign-ins before an account is locked.</summary>
    public int LockoutMaxFailedAttempts { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Requests per client IP to each sign-in, sign-up, magic-link and reset form per window.</summary>
    public int AuthRateLimitPermits { get; set; } = 10;

    public int AuthRateLimitWindowSeconds { get; set; } = 60;

    /// <summary>How long a magic sign-in link works.</summary>
    public int MagicLinkMinutes { get; set; } = 15;

    /// <summary>IP addresses of reverse proxies whose X-Forwarded-For/-Proto headers are trusted. Empty: none.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Days a sign-in lasts without being used; each use extends it (sliding).</summary>
    public int SessionDays { get; set; } = 30;

    /// <summary>A session's "last seen" is written at most this often (minutes), not on every request.</summary>
    public int SessionLastSeenMinutes { get; set; } = 5;

    /// <summary>
    /// The domain passkeys are made for (WebAuthn's relying-party id), e.g. <c>members.example.com</c>.
    /// Empty: the host the page was opened at. Passkeys made for one domain work only there.
    /// </summary>
    public string PasskeyDomain { get; set; } = "";
}

/// <summary>Section <c>Tiers</c>.</summary>
public sealed class TierSettings
{
    /// <summary>Highest monthly or yearly price a tier may have, in minor units (Stripe's own ceiling is 99,999,999).</summary>
    public long MaxPriceMinorUnits { get; set; } = 10_000_000;
}

/// <summary>Section <c>Uploads</c>: post attachments.</summary>
public sealed class UploadSettings
{
    /// <summary>Where uploaded files are kept. Empty: <c>{DataDirectory}/uploads</c>.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Largest file accepted, in bytes (at most <see cref="HardLimitBytes"/>).</summary>
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// How many days the signed links in a post email to its paid post's images and files keep
    /// opening without the site's cookie (1 to 365). Each open still checks the membership.
    /// </summary>
    public int EmailLinkDays { get; set; } = 30;

    /// <summary>The request-size ceiling compiled into the upload endpoint.</summary>
    public const long HardLimitBytes = 500L * 1024 * 1024;

    /// <summary>Where files live: a local folder (one node) or Azure Blob Storage (several nodes).</summary>
    public UploadStorageKind Storage { get; set; } = UploadStorageKind.Local;

    /// <summary>Used when <see cref="Storage"/> is <see cref="UploadStorageKind.AzureBlob"/>.</summary>
    public AzureBlobSettings AzureBlob { get; set; } = new();
}

/// <summary>The kinds of upload storage <c>Uploads:Storage</c> names.</summary>
public enum UploadStorageKind
{
    Local,
    AzureBlob,
}

/// <summary>Section <c>Uploads:AzureBlob</c>.</summary>
public sealed class AzureBlobSettings
{
    /// <summary>The storage account's connection string: a secret, so from an environment variable or secret store.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The container the files go in; made private on first use if missing.</summary>
    public string Container { get; set; } = "uploads";
}

/// <summary>Section <c>Jobs</c>: Hangfire.</summary>
public sealed class JobSettings
{
    /// <summary>Run Hangfire workers on this node. False for web-only nodes.</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Where Hangfire keeps its queues: <see cref="JobStorageKind.Database"/> follows <c>Database:Provider</c>.</summary>
    public JobStorageKind Storage { get; set; } = JobStorageKind.Database;
}

/// <summary>Hangfire storage choice.</summary>
public enum JobStorageKind
{
    /// <summary>SQL Server or PostgreSQL storage in the site's database; memory with SQLite.</summary>
    Database,

    /// <summary>Memory, whatever the database (one node; tests that run jobs themselves).</summary>
    InMemory,
}

/// <summary>Section <c>Stripe</c>. With no <see cref="SecretKey"/>, the built-in emulator stands in for Stripe.</summary>
public sealed class StripeSettings
{
    /// <summary>The platform's secret key (<c>sk_live_…</c> / <c>sk_test_…</c>). Empty: payments are simulated by the built-in emulator.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>
    /// The webhook endpoints' signing secrets (<c>whsec_…</c>), comma-separated: the platform
    /// endpoint's and the Connect endpoint's. Required with a secret key; the emulator brings its own.
    /// </summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>Another API address for Stripe.net (an emulator on another host); empty: Stripe's own.</summary>
    public string ApiBase { get; set; } = "";

    /// <summary>Loopback port of the built-in emulator (its Checkout and portal pages live there); 0 picks a free one at each start.</summary>
    public int EmulatorPort { get; set; } = 12111;

    /// <summary>Where the built-in emulator keeps its state, under <c>App:DataDirectory</c>; empty: in memory only (lost at each start).</summary>
    public string EmulatorStateDirectory { get; set; } = "stripe-emulator";

    /// <summary>Retries Stripe.net makes of a failed request (network error, 409, 429 with Stripe-Should-Retry, 5xx), reusing its idempotency key.</summary>
    public int MaxNetworkRetries { get; set; } = 2;

    /// <summary>Time-out of one request to Stripe.</summary>
    public int TimeoutSeconds { get; set; } = 4;

    /// <summary>Time-out of one call to Stripe, its retries included: how long a fan waits at most before "payments are unavailable".</summary>
    public int CallTimeoutSeconds { get; set; } = 8;

    /// <summary>Failed calls (after retries) within 30 seconds that open the circuit: the site stops calling Stripe for <see cref="BreakSeconds"/>.</summary>
    public int BreakAfterFailures { get; set; } = 5;

    public int BreakSeconds { get; set; } = 30;

    /// <summary>How long a Checkout session (and the place it holds in a capped tier) lasts, in minutes (31 to 1,439: Stripe allows 30 to 1,440 from its own clock).</summary>
    public int CheckoutMinutes { get; set; } = 30;

    /// <summary>Processing tries for one webhook event before it is left for an operator (visible in the jobs dashboard and the log).</summary>
    public int EventMaxAttempts { get; set; } = 10;
}

/// <summary>Section <c>Platform</c>: what the site's operator takes.</summary>
public sealed class PlatformSettings
{
    /// <summary>Share of each payment kept by the platform (Stripe's <c>application_fee_percent</c>), 0 to 100.</summary>
    public decimal FeePercent { get; set; } = 5;
}

/// <summary>Section <c>Billing</c>: the billing jobs.</summary>
public sealed class BillingSettings
{
    /// <summary>Members on a yearly price are emailed this many days before it renews.</summary>
    public int RenewalReminderDays { get; set; } = 7;

    /// <summary>A live subscription not read from Stripe for this long is re-read by the daily reconciliation (one whose period ended always is).</summary>
    public int ReconcileAfterHours { get; set; } = 24;

    /// <summary>
    /// How long Stripe keeps retrying a failed renewal before the membership ends (Stripe's
    /// retry schedule in its Dashboard; the built-in emulator's is 7 days): a past-due member is
    /// told they keep access until the renewal date plus this many days.
    /// </summary>
    public int PaymentRetryDays { get; set; } = 7;
}
