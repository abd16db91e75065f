using Hangfire;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.AspNetCore.Mvc;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>
/// <c>POST /webhooks/stripe</c>: verify the signature, store the event under its unique id,
/// queue its handling, answer. Nothing slow happens before the answer, so Stripe gets it fast.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class StripeWebhookController(StripeEndpoint endpoint, StripeEventInbox inbox, IBackgroundJobClient jobs, ILogger<StripeWebhookController> logger) : Controller
{
    /// <summary>Stripe's own tolerance: a signature older than this is refused (replays).</summary>
    public const long ToleranceSeconds = 300;

    private const int MaxPayloadBytes = 512 * 1024;

    [HttpPost("webhooks/stripe")]
    [RequestSizeLimit(MaxPayloadBytes)]
    public async Task<IActionResult> Receive(CancellationToken cancellationToken)
    {
        string json;
        using (var reader = new StreamReader(Request.Body))
        {
            json = await reader.ReadToEndAsync(cancellationToken);
        }

        var secrets = endpoint.WebhookSecrets;
        if (secrets.Count == 0)
        {
            return BadRequest("This site has no webhook secret to check the signature with.");
        }

        // The platform's and the Connect endpoint's secrets: an event is signed with one of them, so
        // only a signature that none accepts is worth a warning.
        Event? stripeEvent = null;
        string? refusal = null;
        foreach (var secret in secrets)
        {
            try
            {
                stripeEvent = EventUtility.ConstructEvent(json, Request.Headers["Stripe-Signature"].ToString(), secret, ToleranceSeconds, throwOnApiVersionMismatch: false);
                break;
            }
            catch (StripeException exception)
            {
                refusal ??= exception.Message;
            }
        }

        if (stripeEvent is null)
        {
            logger.LogWarning("Refused a Stripe webhook: {Reason}", refusal);
            return BadRequest("Invalid or stale Stripe-Signature.");
        }

        if (await inbox.RecordAsync(stripeEvent, cancellationToken))
        {
            jobs.Enqueue<StripeEventProcessor>(processor => processor.ProcessAsync(stripeEvent.Id, CancellationToken.None));
        }

        return Ok();
    }
}
