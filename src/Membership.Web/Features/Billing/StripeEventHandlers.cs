using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;
using Stripe.Checkout;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Acts on one kind of stored Stripe event (bitwarden's shape: one small handler per event type,
/// injected). A handler re-reads the event's object from Stripe, once, and writes its whole state,
/// so a duplicate, late or out-of-order event ends the same way.
/// </summary>
public interface IStripeEventHandler
{
    bool Handles(string eventType);

    Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken);
}

/// <summary><c>checkout.session.completed</c>: the session's subscription is synced and the join attempt marked done.</summary>
public sealed class CheckoutCompletedHandler(StripeGateway stripe, SubscriptionSync subscriptions, MembershipDbContext db) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.CheckoutSessionCompleted;

    public async Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        var session = await stripe.CallAsync((client, token) => new SessionService(client).GetAsync(stripeEvent.ObjectId, cancellationToken: token), cancellationToken);
        if (session.SubscriptionId is not null)
        {
            await subscriptions.SyncAsync(session.SubscriptionId, stripeEvent.OccurredAt, cancellationToken);
        }

        db.ChangeTracker.Clear();
        var completedAt = stripeEvent.OccurredAt;
        await db.CheckoutAttempts.Where(a => a.StripeSessionId == session.Id && a.CompletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.CompletedAt, completedAt), cancellationToken);
    }
}

/// <summary><c>customer.subscription.created</c>, <c>.updated</c>, <c>.deleted</c>: the subscription as Stripe has it now.</summary>
public sealed class SubscriptionChangedHandler(SubscriptionSync subscriptions) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType is StripeEventTypes.SubscriptionCreated or StripeEventTypes.SubscriptionUpdated or StripeEventTypes.SubscriptionDeleted;

    public Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken) =>
        subscriptions.SyncAsync(stripeEvent.ObjectId, stripeEvent.OccurredAt, cancellationToken);
}

/// <summary><c>customer.subscription.trial_will_end</c>: synced, then the member told when the trial ends.</summary>
public sealed class TrialWillEndHandler(SubscriptionSync subscriptions, TrialEndingEmails emails) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.SubscriptionTrialWillEnd;

    public async Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        await subscriptions.SyncAsync(stripeEvent.ObjectId, stripeEvent.OccurredAt, cancellationToken);
        await emails.SendAsync(stripeEvent.ObjectId, cancellationToken);
    }
}

/// <summary><c>invoice.paid</c>: the subscription's status first (restored), then the payment in the ledger — from one read of the invoice.</summary>
public sealed class InvoicePaidHandler(StripeGateway stripe, SubscriptionSync subscriptions, Ledger ledger) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.InvoicePaid;

    public async Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        var invoice = await stripe.CallAsync((client, token) => new InvoiceService(client).GetAsync(stripeEvent.ObjectId,
            new InvoiceGetOptions { Expand = [Ledger.InvoicePaymentsExpansion] }, cancellationToken: token), cancellationToken);
        if (invoice.Parent?.SubscriptionDetails?.SubscriptionId is { } subscriptionId)
        {
            await subscriptions.SyncAsync(subscriptionId, stripeEvent.OccurredAt, cancellationToken);
        }

        await ledger.RecordInvoiceAsync(invoice, cancellationToken);
    }
}

/// <summary><c>invoice.payment_failed</c>: the subscription's status (past due, with its email).</summary>
public sealed class InvoicePaymentFailedHandler(StripeGateway stripe, SubscriptionSync subscriptions) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.InvoicePaymentFailed;

    public async Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        var invoice = await stripe.CallAsync((client, token) => new InvoiceService(client).GetAsync(stripeEvent.ObjectId, cancellationToken: token), cancellationToken);
        if (invoice.Parent?.SubscriptionDetails?.SubscriptionId is { } subscriptionId)
        {
            await subscriptions.SyncAsync(subscriptionId, stripeEvent.OccurredAt, cancellationToken);
        }
    }
}

/// <summary><c>charge.refunded</c>: the charge's refunds in the ledger.</summary>
public sealed class ChargeRefundedHandler(Ledger ledger) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.ChargeRefunded;

    public Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken) =>
        ledger.RecordRefundsAsync(stripeEvent.ObjectId, cancellationToken);
}

/// <summary><c>account.updated</c>: a creator's payouts account read again.</summary>
public sealed class AccountUpdatedHandler(Payouts payouts) : IStripeEventHandler
{
    public bool Handles(string eventType) => eventType == StripeEventTypes.AccountUpdated;

    public Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken) =>
        payouts.RefreshAccountAsync(stripeEvent.Account ?? stripeEvent.ObjectId, cancellationToken);
}
