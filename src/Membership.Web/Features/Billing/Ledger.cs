using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;
using StripeRefund = Stripe.Refund;

namespace Membership.Web.Features.Billing;

/// <summary>
/// The payment ledger, written from what Stripe returns: one row per paid invoice (its id is
/// unique, so an invoice is never counted twice) with the platform fee taken from its charge, and
/// one row per refund. The receipt email is stored with the payment row, so it goes exactly once.
/// </summary>
public sealed class Ledger(
    MembershipDbContext db,
    StripeGateway stripe,
    OutboxEmailSender outbox,
    TransactionalEmails emails,
    PublicLinks links,
    ILogger<Ledger> logger)
{
    /// <summary>
    /// What an invoice must be read with for <see cref="RecordInvoiceAsync"/>: on Stripe an invoice's
    /// payments come only when expanded, and a subscription invoice is paid by a PaymentIntent whose
    /// latest charge carries the fee and the refunds.
    /// </summary>
    public const string InvoicePaymentsExpansion = "payments.data.payment.payment_intent";

    /// <summary>
    /// Records a paid invoice, read with <see cref="InvoicePaymentsExpansion"/>; returns false when it
    /// was already recorded, or is not a payment of ours.
    /// </summary>
    public async Task<bool> RecordInvoiceAsync(Invoice invoice, CancellationToken cancellationToken)
    {
        var invoiceId = invoice.Id;
        db.ChangeTracker.Clear();
        if (await db.Payments.AnyAsync(p => p.StripeInvoiceId == invoiceId, cancellationToken))
        {
            return false;
        }

        if (invoice.Status != "paid" || invoice.AmountPaid <= 0)
        {
            // A trial's $0 invoice moves no money.
            return false;
        }

        var subscriptionId = invoice.Parent?.SubscriptionDetails?.SubscriptionId;
        var subscription = subscriptionId is null
            ? null
            : await db.Subscriptions.Include(s => s.Member).ThenInclude(m => m!.User).Include(s => s.Tier).ThenInclude(t => t!.Creator)
                .SingleOrDefaultAsync(s => s.StripeSubscriptionId == subscriptionId, cancellationToken);
        if (subscription?.Member?.User is null || subscription.Tier?.Creator is null)
        {
            logger.LogWarning("Invoice {InvoiceId} is for subscription {SubscriptionId}, which is not ours; not recorded", invoiceId, subscriptionId);
            return false;
        }

        // Only the payment that paid it: a failed attempt's charge carries no fee and no refunds.
        var chargeId = invoice.Payments?.Data
            .Where(p => p.Status == "paid")
            .Select(p => p.Payment?.ChargeId ?? p.Payment?.PaymentIntent?.LatestChargeId)
            .FirstOrDefault(id => id is not null);
        long fee = 0;
        if (chargeId is not null)
        {
            var charge = await stripe.CallAsync((client, token) => new ChargeService(client).GetAsync(chargeId, cancellationToken: token), cancellationToken);
            fee = charge.ApplicationFeeAmount ?? 0;
        }

        var paidAt = invoice.StatusTransitions?.PaidAt ?? invoice.Created;
        db.Payments.Add(new Payment
        {
            StripeInvoiceId = invoice.Id,
            StripeChargeId = chargeId,
            StripeSubscriptionId = subscriptionId,
            CreatorId = subscription.CreatorId,
            MemberId = subscription.MemberId,
            AmountMinor = invoice.AmountPaid,
            PlatformFeeMinor = fee,
            Currency = invoice.Currency.ToUpperInvariant(),
            BillingReason = invoice.BillingReason ?? "",
            PaidAt = paidAt,
        });
        var user = subscription.Member.User;
        var creator = subscription.Tier.Creator;
        var staged = user.Email is null
            ? null
            : outbox.Stage(db, emails.Receipt(user.Email, user.DisplayName, creator.DisplayName, subscription.Tier.Name,
                invoice.AmountPaid, invoice.Currency.ToUpperInvariant(), paidAt, invoice.Number ?? invoice.Id, links.Absolute($"/{creator.Handle}")));
        try
        {
            // The row and the member's running total together, the total added in place (two
            // invoices of one member recorded at once must not overwrite each other's sum).
            var amount = invoice.AmountPaid;
            await InOneTransactionAsync(() => db.Members.Where(m => m.Id == subscription.MemberId)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LifetimePaidMinor, m => m.LifetimePaidMinor + amount), cancellationToken), cancellationToken);
        }
        catch (DbUpdateException)
        {
            if (!await AlreadyRecordedAsync(invoiceId, cancellationToken))
            {
                throw;
            }

            // A duplicate event handled at the same moment recorded it (and its receipt) first.
            return false;
        }

        if (staged is not null)
        {
            outbox.Notify([staged]);
        }

        return true;
    }

    /// <summary>Records the refunds of a charge that are not recorded yet; returns how many were new.</summary>
    public async Task<int> RecordRefundsAsync(string chargeId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var payment = await db.Payments.SingleOrDefaultAsync(p => p.StripeChargeId == chargeId, cancellationToken);
        if (payment is null)
        {
            // Most likely the refund's event came before the invoice's: fail so the event is tried again.
            throw new InvalidOperationException($"Charge {chargeId} is not in the ledger (yet); its refunds wait for the payment.");
        }

        var refunds = await stripe.CallAsync((client, token) => new RefundService(client).ListAsync(
            new RefundListOptions { Charge = chargeId, Limit = 100 }, cancellationToken: token), cancellationToken);
        var known = await db.Refunds.Where(r => r.PaymentId == payment.Id).Select(r => r.StripeRefundId).ToListAsync(cancellationToken);
        var added = 0;
        foreach (StripeRefund refund in refunds.Data.Where(r => r.Status is "succeeded" or "pending" && !known.Contains(r.Id)))
        {
            db.Refunds.Add(new Data.Entities.Refund
            {
                StripeRefundId = refund.Id,
                PaymentId = payment.Id,
                CreatorId = payment.CreatorId,
                AmountMinor = refund.Amount,
                Currency = refund.Currency.ToUpperInvariant(),
                RefundedAt = refund.Created,
            });
            added++;
        }

        try
        {
            var refunded = db.ChangeTracker.Entries<Data.Entities.Refund>().Sum(e => e.Entity.AmountMinor);
            await InOneTransactionAsync(() => db.Members.Where(m => m.Id == payment.MemberId)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LifetimePaidMinor, m => m.LifetimePaidMinor - refunded), cancellationToken), cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Recorded at the same moment by a duplicate event: start again from what is stored.
            return await RecordRefundsAsync(chargeId, cancellationToken);
        }

        return added;
    }

    /// <summary>Saves the tracked rows and runs <paramref name="alsoDo"/> in one transaction (under the provider's retry strategy).</summary>
    private Task InOneTransactionAsync(Func<Task<int>> alsoDo, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await alsoDo();
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.AcceptAllChanges();
        });

    private async Task<bool> AlreadyRecordedAsync(string invoiceId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        return await db.Payments.AnyAsync(p => p.StripeInvoiceId == invoiceId, cancellationToken);
    }
}
