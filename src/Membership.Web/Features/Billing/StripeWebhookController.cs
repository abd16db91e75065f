using System.Text;
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

    /// <summary>Stripe's events are a few KB; anything near this is not one of them.</summary>
    public const int MaxPayloadBytes = 512 * 1024;

    [HttpPost("webhooks/stripe")]
    [RequestSizeLimit(MaxPayloadBytes)]
    public async Task<IActionResult> Receive(CancellationToken cancellationToken)
    {
        // Read at most the limit ourselves: the server's own limit answers a body that grows past it
        // mid-read with an exception, and not every server applies it (the test server does not).
        var json = Request.ContentLength > MaxPayloadBytes ? null : await ReadAtMostAsync(Request.Body, MaxPayloadBytes, cancellationToken);
        if (json is null)
        {
            logger.LogWarning("Refused a Stripe webhook: {Reason}", "body over the limit");
            return StatusCode(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxPayloadBytes / 1024} KB; nothing was stored.");
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

    /// <summary>The body as UTF-8, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    private static async Task<string?> ReadAtMostAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null; // Kestrel's own [RequestSizeLimit], for a body without a Content-Length
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
