namespace Membership.Web.Infrastructure.Stripe;

/// <summary>
/// Starts the built-in Stripe emulator as soon as the site listens (its webhooks come back to the
/// site's own address), so that a port already taken stops the start with a clear message instead
/// of failing the first payment, and the Checkout pages open before anyone joins.
/// </summary>
public sealed class EmulatorStartup(StripeEndpoint stripe) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken) => stripe.ClientAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
