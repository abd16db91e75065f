using System.Net;
using Membership.Web.Infrastructure.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Stripe;

namespace Membership.Web.Infrastructure.Stripe;

/// <summary>
/// Every call the site makes to Stripe goes through here. Stripe.net retries a failed request
/// itself (<c>Stripe:MaxNetworkRetries</c>, backing off, 429 only when Stripe says to) and reuses
/// the request's idempotency key, which callers derive from our own row ids. Around that, a
/// circuit breaker: after repeated failures the site stops calling Stripe for a while, and users
/// get "payments are unavailable, try again" at once instead of waiting on time-outs.
/// </summary>
public sealed class StripeGateway
{
    private readonly StripeEndpoint _endpoint;
    private readonly ILogger<StripeGateway> _logger;
    private readonly ResiliencePipeline _pipeline;

    public StripeGateway(StripeEndpoint endpoint, IOptions<StripeSettings> options, ILogger<StripeGateway> logger)
    {
        _endpoint = endpoint;
        _logger = logger;
        var settings = options.Value;
        _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, settings.BreakAfterFailures),
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(Math.Max(1, settings.BreakSeconds)),
                // A caller giving up (a closed tab) says nothing about Stripe.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } exception && IsOutage(exception) && !args.Context.CancellationToken.IsCancellationRequested),
                OnOpened = args =>
                {
                    _logger.LogError(args.Outcome.Exception, "Stripe is failing: no calls for {BreakSeconds} s", args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            // The whole call, retries included: a Stripe that takes the connection and never answers
            // must not hold a fan's request for a minute (each request also has Stripe:TimeoutSeconds).
            .AddTimeout(TimeSpan.FromSeconds(Math.Max(1, settings.CallTimeoutSeconds)))
            .Build();
    }

    public Task<StripeClient> ClientAsync(CancellationToken cancellationToken = default) => _endpoint.ClientAsync(cancellationToken);

    /// <summary>
    /// Runs one Stripe call. Throws <see cref="PaymentsUnavailableException"/> when Stripe cannot be
    /// reached or keeps failing; Stripe's answers about the request itself (a declined card, a bad
    /// parameter) come through as the <see cref="StripeException"/> they are.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<StripeClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken = default)
    {
        var client = await _endpoint.ClientAsync(cancellationToken);
        var outcome = MembershipTelemetry.StripeOutcome.Error;
        try
        {
            var result = await _pipeline.ExecuteAsync(async token => await call(client, token), cancellationToken);
            outcome = MembershipTelemetry.StripeOutcome.Ok;
            return result;
        }
        catch (BrokenCircuitException exception)
        {
            outcome = MembershipTelemetry.StripeOutcome.Paused;
            throw new PaymentsUnavailableException("Stripe calls are paused after repeated failures.", exception);
        }
        catch (Exception exception) when (IsOutage(exception) && !cancellationToken.IsCancellationRequested)
        {
            outcome = MembershipTelemetry.StripeOutcome.Unavailable;
            _logger.LogWarning(exception, "Stripe call failed after retries");
            throw new PaymentsUnavailableException("Stripe could not be reached or kept failing.", exception);
        }
        catch (Exception exception)
        {
            outcome = exception switch
            {
                _ when cancellationToken.IsCancellationRequested => MembershipTelemetry.StripeOutcome.Canceled,
                StripeException => MembershipTelemetry.StripeOutcome.Rejected,
                _ => MembershipTelemetry.StripeOutcome.Error,
            };
            throw;
        }
        finally
        {
            MembershipTelemetry.StripeCall(outcome);
        }
    }

    /// <summary>Failures of Stripe itself, as opposed to answers about a request: 5xx, 429, network errors, time-outs.</summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        StripeException stripe => stripe.HttpStatusCode is HttpStatusCode.TooManyRequests
            || (int)stripe.HttpStatusCode >= 500
            || stripe.HttpStatusCode == 0
            || stripe.InnerException is HttpRequestException or TaskCanceledException,
        HttpRequestException => true,
        TaskCanceledException => true,
        TimeoutException => true,
        TimeoutRejectedException => true,
        _ => false,
    };
}

/// <summary>Stripe cannot be used right now; the user is told to try again later and nothing was changed.</summary>
public sealed class PaymentsUnavailableException(string message, Exception inner) : Exception(message, inner)
{
    public const string UserMessage = "Payments are unavailable right now, so nothing was charged or changed. Please try again in a few minutes.";
}
