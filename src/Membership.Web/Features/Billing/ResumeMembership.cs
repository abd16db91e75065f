using System.Globalization;
using Membership.Data;
using Membership.Web.Infrastructure.Money;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Undoes a cancellation at period end: Stripe is told the subscription goes on, and our copy is
/// synced from Stripe's answer at once (the webhook that follows changes nothing more).
/// </summary>
public sealed class ResumeMembership(MembershipDbContext db, StripeGateway stripe, SubscriptionSync sync, TimeProvider clock)
{
    public sealed record Request(string Handle, string UserId);

    /// <summary>What to tell the fan, or null when they have no membership of that creator.</summary>
    public async Task<string?> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking()
            .Where(s => s.Member!.Creator!.Handle == request.Handle && s.Member.UserId == request.UserId)
            .OrderByDescending(s => s.StartedAt).FirstOrDefaultAsync(cancellationToken);
        if (subscription is null)
        {
            return null;
        }

        if (!subscription.CancelAtPeriodEnd || subscription.Status is not ("active" or "trialing"))
        {
            return "Your membership is not set to end, so there is nothing to resume.";
        }

        await stripe.CallAsync((client, token) => new SubscriptionService(client).UpdateAsync(subscription.StripeSubscriptionId,
            new SubscriptionUpdateOptions { CancelAtPeriodEnd = false }, cancellationToken: token), cancellationToken);
        await sync.SyncAsync(subscription.StripeSubscriptionId, clock.GetUtcNow().UtcDateTime, cancellationToken);
        var price = MoneyFormat.Format(subscription.UnitAmountMinor, subscription.Currency);
        return string.Create(CultureInfo.InvariantCulture, $"Your membership goes on: the next payment of {price} is on {subscription.CurrentPeriodEnd:d MMMM yyyy}.");
    }
}
