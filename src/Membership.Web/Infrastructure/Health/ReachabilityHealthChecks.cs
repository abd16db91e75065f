using System.Net.Sockets;
using Membership.Web.Infrastructure.Storage;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Stripe;

namespace Membership.Web.Infrastructure.Health;

/// <summary>
/// Whether the SMTP server accepts a connection. Degraded, not unhealthy, when it does not: the
/// site keeps serving, and mail waits in the outbox and recipient rows until it is back.
/// </summary>
public sealed class SmtpHealthCheck(IOptions<EmailSettings> settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var smtp = settings.Value.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            return HealthCheckResult.Healthy("No SMTP server: mail is written to the pickup folder.");
        }

        return await Reachability.TcpAsync(smtp.Host, smtp.Port, cancellationToken)
            ? HealthCheckResult.Healthy("The SMTP server accepts connections.")
            : HealthCheckResult.Degraded("The SMTP server does not accept connections; mail waits until it does.");
    }
}

/// <summary>
/// Whether Stripe answers an API request (<c>GET /v1/account</c>) within the readiness time-out:
/// a Stripe that takes connections but never answers is not ready. Degraded when it does not
/// answer or refuses the key: pages and paid posts keep working; joining fails with a clear
/// message and webhooks are redelivered by Stripe.
/// </summary>
public sealed class StripeHealthCheck(StripeEndpoint stripe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (stripe.IsSimulated && stripe.Emulator is null)
        {
            // Started on first use, not by a probe (several nodes on one machine would each start one).
            return HealthCheckResult.Healthy("Payments are simulated by the built-in Stripe emulator (started on first use).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Reachability.Timeout);
        var who = stripe.IsSimulated ? "The built-in Stripe emulator" : "Stripe's API";
        try
        {
            var client = await stripe.ClientAsync(timeout.Token);
            await new AccountService(client).GetSelfAsync(cancellationToken: timeout.Token);
            return HealthCheckResult.Healthy(stripe.IsSimulated ? "Payments are simulated by the built-in Stripe emulator." : "Stripe's API answers.");
        }
        catch (StripeException exception) when (exception.HttpStatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            return HealthCheckResult.Degraded($"{who} refuses the secret key (Stripe:SecretKey): {exception.Message}");
        }
        catch (Exception exception) when (exception is StripeException or HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded($"{who} did not answer within {Reachability.Timeout.TotalSeconds:0} s.");
        }
    }
}

/// <summary>
/// Whether uploads can be stored and read (the local folder, or the blob container every node
/// shares). Degraded when not: pages keep working; uploads and attachment downloads fail until it is back.
/// </summary>
public sealed class UploadStorageHealthCheck(IFileStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problem = await storage.ProblemAsync(cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy(storage is LocalFolderStorage ? "Uploads are kept in the local folder." : "Blob storage answers.")
            : HealthCheckResult.Degraded(problem);
    }
}

internal static class Reachability
{
    /// <summary>How long a readiness check waits for a dependency to answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>A TCP connection within <see cref="Timeout"/>.</summary>
    public static async Task<bool> TcpAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
