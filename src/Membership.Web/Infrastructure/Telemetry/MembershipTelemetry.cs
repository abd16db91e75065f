using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Membership.Web.Infrastructure.Telemetry;

/// <summary>
/// The site's own spans and instruments, all under the name "Membership". They cost next to
/// nothing when nobody listens (no OTLP endpoint configured: no listener, no export), so the code
/// records unconditionally; <see cref="TelemetrySetup"/> subscribes the exporters when configured.
/// Counters count outcomes (a message the server accepted, a recipient marked failed), never tries.
/// </summary>
public static class MembershipTelemetry
{
    /// <summary>Name of the <see cref="ActivitySource"/> and the <see cref="Meter"/>.</summary>
    public const string Name = "Membership";

    /// <summary>Tag values of <c>kind</c> on the email counters.</summary>
    public static class EmailKind
    {
        /// <summary>A member's copy of a post (a post delivery).</summary>
        public const string Post = "post";

        /// <summary>Account and billing email, sent through the outbox.</summary>
        public const string Transactional = "transactional";
    }

    /// <summary>Tag values of <c>outcome</c> on <see cref="StripeCalls"/>.</summary>
    public static class StripeOutcome
    {
        /// <summary>Stripe answered with what was asked for.</summary>
        public const string Ok = "ok";

        /// <summary>Stripe answered, refusing the request itself (a declined card, a bad parameter).</summary>
        public const string Rejected = "rejected";

        /// <summary>Stripe could not be reached or kept failing (5xx, 429, network, time-out) after Stripe.net's retries.</summary>
        public const string Unavailable = "unavailable";

        /// <summary>Not sent: the circuit breaker is open after repeated failures.</summary>
        public const string Paused = "paused";

        /// <summary>The caller gave up (a closed tab, a stopping host).</summary>
        public const string Canceled = "canceled";

        /// <summary>Anything else thrown while making the call.</summary>
        public const string Error = "error";
    }

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Messages the mail server (or the pickup folder) accepted, tagged <c>kind</c>.</summary>
    public static readonly Counter<long> EmailsSent = Meter.CreateCounter<long>(
        "membership.emails.sent", "{email}", "Emails the mail server (or the pickup folder) accepted.");

    /// <summary>
    /// Emails that failed, tagged <c>kind</c>: a post recipient marked failed (refused with a 5xx,
    /// or a 4xx on every one of its tries); a transactional send that failed and was put back in
    /// the outbox for a later try (the outbox never gives up, so one message can count more than once).
    /// </summary>
    public static readonly Counter<long> EmailsFailed = Meter.CreateCounter<long>(
        "membership.emails.failed", "{email}", "Post recipients marked failed, and transactional sends put back in the outbox after failing.");

    /// <summary>
    /// Calls to Stripe's API through the site's gateway, tagged <c>outcome</c> (see
    /// <see cref="StripeOutcome"/>). The HTTP client instrumentation measures each HTTP request,
    /// retries included; this counts what the site asked for and what came of it.
    /// </summary>
    public static readonly Counter<long> StripeCalls = Meter.CreateCounter<long>(
        "membership.stripe.calls", "{call}", "Stripe API calls made by the site, by outcome.");

    /// <summary>How long each Hangfire job run took, in seconds, tagged <c>job</c> and <c>outcome</c>.</summary>
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "membership.jobs.duration", "s", "Duration of background job runs.");

    public static void EmailSent(string kind) => EmailsSent.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void EmailFailed(string kind) => EmailsFailed.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void StripeCall(string outcome) => StripeCalls.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
