using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;
using LocalSubscription = Membership.Data.Entities.Subscription;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Writes a subscription's whole state as Stripe has it now, whatever event asked for it: the
/// order events arrive in, and how often, no longer matters. From the change it derives the
/// member's access (status and tier), a line of membership history with the MRR before and
/// after, and the emails that go with it (welcome, payment failed), all in one save.
/// Two syncs of one subscription at once are kept apart by the row's version: the loser reads
/// again, fetches again, and writes what is newest.
/// </summary>
public sealed class SubscriptionSync(
    MembershipDbContext db,
    StripeGateway stripe,
    OutboxEmailSender outbox,
    TransactionalEmails emails,
    PublicLinks links,
    IOptions<BillingSettings> billing,
    TimeProvider clock,
    ILogger<SubscriptionSync> logger)
{
    private const int MaxTries = 10;

    public async Task SyncAsync(string stripeSubscriptionId, DateTime occurredAt, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            try
            {
                var staged = await SyncOnceAsync(stripeSubscriptionId, occurredAt, cancellationToken);
                outbox.Notify(staged);
                return;
            }
            catch (DbUpdateException exception) when (attempt < MaxTries)
            {
                // Another sync of the same subscription (or member) saved first: start again from its result.
                logger.LogDebug(exception, "Subscription {SubscriptionId} changed while syncing; trying again", stripeSubscriptionId);
            }
        }
    }

    private async Task<List<OutboxEmail>> SyncOnceAsync(string stripeSubscriptionId, DateTime occurredAt, CancellationToken cancellationToken)
    {
        // Read ours before asking Stripe: if someone writes in between, our save fails and we start over.
        var local = await db.Subscriptions.SingleOrDefaultAsync(s => s.StripeSubscriptionId == stripeSubscriptionId, cancellationToken);
        var remote = await stripe.CallAsync((client, token) => new SubscriptionService(client).GetAsync(
            stripeSubscriptionId, new SubscriptionGetOptions { Expand = ["latest_invoice"] }, cancellationToken: token), cancellationToken);

        var item = remote.Items.Data.FirstOrDefault()
            ?? throw new InvalidOperationException($"Stripe subscription {stripeSubscriptionId} has no items.");
        var price = await db.TierPrices.Include(p => p.Tier).ThenInclude(t => t!.Creator)
            .SingleOrDefaultAsync(p => p.StripePriceId == item.Price.Id, cancellationToken);
        if (price?.Tier?.Creator is null)
        {
            // Not one of our prices (another product on the same Stripe account): not ours to track.
            logger.LogWarning("Subscription {SubscriptionId} is on price {PriceId}, which is no tier's; ignored", stripeSubscriptionId, item.Price.Id);
            return [];
        }

        var tier = price.Tier;
        var creator = tier.Creator;
        if (local is not null && local.CreatorId != creator.Id)
        {
            // A subscription belongs to the creator it started with (their payouts get its money);
            // a switch to another creator's price (a misconfigured portal) is not applied.
            logger.LogError("Subscription {SubscriptionId} of creator {CreatorId} moved to price {PriceId} of creator {OtherCreatorId}; not applied",
                stripeSubscriptionId, local.CreatorId, item.Price.Id, creator.Id);
            return [];
        }

        var member = local is not null
            ? await db.Members.Include(m => m.User).SingleAsync(m => m.Id == local.MemberId, cancellationToken)
            : await FindOrAddMemberAsync(creator, remote, cancellationToken);
        if (member is null)
        {
            logger.LogWarning("Subscription {SubscriptionId} belongs to customer {CustomerId}, who is nobody here; ignored", stripeSubscriptionId, remote.CustomerId);
            return [];
        }

        var memberSubscriptions = member.Id == 0
            ? []
            : await db.Subscriptions.Where(s => s.MemberId == member.Id && s.StripeSubscriptionId != stripeSubscriptionId).ToListAsync(cancellationToken);
        var before = local is null ? null : Snapshot.Of(local);
        var valueBefore = Value.Of(memberSubscriptions, local);

        var now = clock.GetUtcNow().UtcDateTime;
        var stateBefore = local is null ? null : State(local);
        if (local is null)
        {
            local = new LocalSubscription { StripeSubscriptionId = stripeSubscriptionId, Member = member, CreatorId = creator.Id, CreatedAt = now };
            db.Subscriptions.Add(local);
        }

        local.StripeCustomerId = remote.CustomerId;
        local.TierId = tier.Id;
        local.TierPriceId = price.Id;
        local.Interval = item.Price.Recurring?.Interval == "year" ? BillingInterval.Year : BillingInterval.Month;
        local.UnitAmountMinor = item.Price.UnitAmount ?? 0;
        local.Currency = item.Price.Currency.ToUpperInvariant();
        local.Status = remote.Status;
        local.StartedAt = remote.StartDate;
        local.CurrentPeriodStart = item.CurrentPeriodStart;
        local.CurrentPeriodEnd = item.CurrentPeriodEnd;
        local.CancelAtPeriodEnd = remote.CancelAtPeriodEnd;
        local.CanceledAt = remote.CanceledAt;
        local.EndedAt = remote.EndedAt;
        local.TrialEnd = remote.TrialEnd;
        if (stateBefore == State(local))
        {
            // Stripe says what we already have (a duplicate or an older event): nothing to write
            // but when it was checked, and not bumping the version spares concurrent syncs of the
            // same news a conflict.
            db.ChangeTracker.Clear();
            await db.Subscriptions.Where(s => s.StripeSubscriptionId == stripeSubscriptionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.CheckedAt, now), cancellationToken);
            return [];
        }

        local.UpdatedAt = now;
        local.Version = Guid.NewGuid();

        local.CheckedAt = now;
        var valueAfter = Value.Of(memberSubscriptions, local);
        var paidBefore = member.Id != 0 && await db.MembershipChanges.AnyAsync(
            c => c.MemberId == member.Id && (c.Kind == MembershipChangeKind.Started || c.Kind == MembershipChangeKind.Reactivated), cancellationToken);
        var changes = Changes(before, local, remote, paidBefore, occurredAt, valueBefore, valueAfter);
        // History reads a member's state as their latest line: no new line may be dated before it.
        var latest = member.Id == 0 ? (DateTime?)null : await db.MembershipChanges.Where(c => c.MemberId == member.Id)
            .MaxAsync(c => (DateTime?)c.OccurredAt, cancellationToken);
        if (latest is { } floor)
        {
            changes = changes.Select(c => c.At < floor ? c with { At = floor } : c).ToList();
        }

        var staged = new List<OutboxEmail>();
        var running = valueBefore;
        foreach (var change in changes)
        {
            var after = change.After ?? running;
            db.MembershipChanges.Add(new MembershipChange
            {
                CreatorId = creator.Id,
                Member = member,
                StripeSubscriptionId = stripeSubscriptionId,
                Kind = change.Kind,
                FromTierId = before?.TierId,
                ToTierId = tier.Id,
                MrrBeforeMinor = running.Mrr,
                MrrAfterMinor = after.Mrr,
                CommitmentBeforeMinor = running.Commitment,
                CommitmentAfterMinor = after.Commitment,
                Currency = local.Currency,
                OccurredAt = change.At,
            });
            running = after;
            var email = EmailFor(change.Kind, member, creator, tier, before, local, remote);
            if (email is not null)
            {
                staged.Add(outbox.Stage(db, email));
            }
        }

        ApplyAccess(member, memberSubscriptions.Append(local), now);
        await db.SaveChangesAsync(cancellationToken);
        return staged;
    }

    /// <summary>Everything Stripe decides about the subscription, to tell whether anything changed.</summary>
    private static string State(LocalSubscription s) => string.Join('|',
        s.StripeCustomerId, s.TierId, s.TierPriceId, s.Interval, s.UnitAmountMinor, s.Currency, s.Status, s.StartedAt.Ticks,
        s.CurrentPeriodStart.Ticks, s.CurrentPeriodEnd.Ticks, s.CancelAtPeriodEnd, s.CanceledAt?.Ticks, s.EndedAt?.Ticks, s.TrialEnd?.Ticks);

    /// <summary>Writes <see cref="MemberAccess.Decide"/>'s answer onto the member.</summary>
    private static void ApplyAccess(Member member, IEnumerable<LocalSubscription> subscriptions, DateTime now)
    {
        var (status, tierId) = MemberAccess.Decide(member.Status, member.TierId, member.IsComplimentary,
            subscriptions.Select(s => new MemberAccess.Held(s.Status, s.TierId, s.StartedAt)));
        if (status is MemberStatus.Active or MemberStatus.PastDue && subscriptions.Any(s => Mrr.GivesAccess(s.Status)))
        {
            // Paying now: no longer on the house.
            member.IsComplimentary = false;
            member.ComplimentaryUntil = null;
        }

        if (status != member.Status || tierId != member.TierId)
        {
            member.Status = status;
            member.TierId = tierId;
            member.UpdatedAt = now;
        }
    }

    private async Task<Member?> FindOrAddMemberAsync(Creator creator, global::Stripe.Subscription remote, CancellationToken cancellationToken)
    {
        // The customer is ours and names the fan; the metadata is only a fallback for older customers.
        var user = await db.Users.SingleOrDefaultAsync(u => u.StripeCustomerId == remote.CustomerId, cancellationToken);
        if (user is null && remote.Metadata.TryGetValue(StripeMetadata.UserId, out var userId))
        {
            user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        }

        if (user is null)
        {
            return null;
        }

        var member = await db.Members.Include(m => m.User).SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == user.Id, cancellationToken);
        if (member is not null)
        {
            return member;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        member = new Member { CreatorId = creator.Id, UserId = user.Id, User = user, Status = MemberStatus.Following, JoinedAt = now, UpdatedAt = now };
        db.Members.Add(member);
        return member;
    }

    /// <summary>
    /// What changed between our last copy and Stripe's, as history lines in time order, each with
    /// when it happened and the member's MRR after it (null: unchanged by this line).
    /// </summary>
    internal static List<Change> Changes(Snapshot? before, LocalSubscription after, global::Stripe.Subscription remote, bool paidBefore, DateTime occurredAt, Value valueBefore, Value valueAfter)
    {
        var changes = new List<Change>();
        var countedBefore = before is not null && Mrr.Counts(before.Status);
        var countsNow = Mrr.Counts(after.Status);
        var accessBefore = before is not null && Mrr.GivesAccess(before.Status);
        var started = paidBefore ? MembershipChangeKind.Reactivated : MembershipChangeKind.Started;

        if (!accessBefore && after.Status == StripeStatuses.Trialing)
        {
            changes.Add(new Change(MembershipChangeKind.TrialStarted, after.StartedAt, null));
        }

        if (!countedBefore && countsNow)
        {
            // A trial converts at its end; a direct start at the subscription's start; a known
            // subscription paid again (unpaid, incomplete) when Stripe said so.
            var at = before is not null && before.Status != StripeStatuses.Trialing
                ? occurredAt
                : after.TrialEnd is { } trialEnd && trialEnd <= after.CurrentPeriodStart ? trialEnd : after.StartedAt;
            changes.Add(new Change(started, at, valueAfter));
        }
        else if (before is not null && countedBefore && countsNow && (before.UnitAmountMinor != after.UnitAmountMinor || before.Interval != after.Interval || before.TierId != after.TierId))
        {
            var was = Mrr.Monthly(before.Interval, before.UnitAmountMinor);
            var now = Mrr.Monthly(after.Interval, after.UnitAmountMinor);
            var kind = now > was ? MembershipChangeKind.Upgraded : now < was ? MembershipChangeKind.Downgraded : MembershipChangeKind.ChangedTier;
            changes.Add(new Change(kind, occurredAt, valueAfter));
        }
        else if (before is null && after.Status is StripeStatuses.Canceled or StripeStatuses.Unpaid
            && after.EndedAt is { } endedAt && endedAt > (after.TrialEnd ?? after.StartedAt))
        {
            // First seen already over (its events came late or out of order): it was paid from its start to its end.
            changes.Add(new Change(started, after.TrialEnd ?? after.StartedAt, valueBefore + Value.Counting(after.Interval, after.UnitAmountMinor)));
            changes.Add(new Change(MembershipChangeKind.Ended, endedAt, valueAfter));
            return changes;
        }

        if (after.Status == StripeStatuses.PastDue && before?.Status != StripeStatuses.PastDue)
        {
            changes.Add(new Change(MembershipChangeKind.PastDue, occurredAt, null));
        }
        else if (before?.Status == StripeStatuses.PastDue && after.Status == StripeStatuses.Active)
        {
            changes.Add(new Change(MembershipChangeKind.Restored, occurredAt, null));
        }

        if (accessBefore && Mrr.GivesAccess(after.Status) && before!.CancelAtPeriodEnd != after.CancelAtPeriodEnd)
        {
            changes.Add(after.CancelAtPeriodEnd
                ? new Change(MembershipChangeKind.CancelScheduled, remote.CanceledAt ?? occurredAt, null)
                : new Change(MembershipChangeKind.Resumed, occurredAt, null));
        }

        if (accessBefore && !Mrr.GivesAccess(after.Status))
        {
            changes.Add(new Change(MembershipChangeKind.Ended, after.EndedAt ?? occurredAt, valueAfter));
        }

        return changes.OrderBy(c => c.At).ToList();
    }

    internal sealed record Change(MembershipChangeKind Kind, DateTime At, Value? After);

    /// <summary>A member's MRR contribution and yearly commitment, over their counting subscriptions.</summary>
    internal readonly record struct Value(long Mrr, long Commitment)
    {
        public static Value Counting(BillingInterval interval, long unitAmountMinor) =>
            new(Domain.Mrr.Monthly(interval, unitAmountMinor), interval == BillingInterval.Month ? unitAmountMinor * 12 : unitAmountMinor);

        public static Value Of(IEnumerable<LocalSubscription> others, LocalSubscription? current)
        {
            var total = default(Value);
            foreach (var subscription in current is null ? others : others.Append(current))
            {
                if (Domain.Mrr.Counts(subscription.Status))
                {
                    total += Counting(subscription.Interval, subscription.UnitAmountMinor);
                }
            }

            return total;
        }

        public static Value operator +(Value a, Value b) => new(a.Mrr + b.Mrr, a.Commitment + b.Commitment);
    }

    private EmailMessage? EmailFor(MembershipChangeKind kind, Member member, Creator creator, Tier tier, Snapshot? before, LocalSubscription subscription, global::Stripe.Subscription remote)
    {
        var user = member.User;
        if (user?.Email is null)
        {
            return null;
        }

        var page = links.Absolute($"/{creator.Handle}");
        if (kind == MembershipChangeKind.Ended)
        {
            // Only a membership seen live ends with an email; one first seen already over (its
            // events came late) is history, not news.
            return before is null ? null : emails.MembershipEnded(user.Email, user.DisplayName, creator.DisplayName, tier.Name,
                subscription.EndedAt ?? subscription.CanceledAt ?? subscription.CurrentPeriodEnd,
                lapsed: remote.CancellationDetails?.Reason == "payment_failed" || subscription.Status == StripeStatuses.Unpaid, page);
        }

        if (!Mrr.GivesAccess(subscription.Status))
        {
            // Seen only once already over: nothing to welcome them to.
            return null;
        }

        switch (kind)
        {
            case MembershipChangeKind.CancelScheduled:
                return emails.CancelScheduled(user.Email, user.DisplayName, creator.DisplayName, tier.Name, subscription.CurrentPeriodEnd, page);
            case MembershipChangeKind.TrialStarted:
            case MembershipChangeKind.Started or MembershipChangeKind.Reactivated when subscription.TrialEnd is null:
                return emails.Welcome(user.Email, user.DisplayName, creator.DisplayName, tier.Name, page, page);
            case MembershipChangeKind.PastDue:
                var invoice = remote.LatestInvoice;
                // Access lasts while Stripe retries: until its last retry, not its next one.
                var graceEnds = subscription.CurrentPeriodStart.AddDays(billing.Value.PaymentRetryDays);
                return emails.PaymentFailed(user.Email, user.DisplayName, creator.DisplayName, tier.Name,
                    invoice?.AmountDue ?? subscription.UnitAmountMinor, subscription.Currency, graceEnds, page);
            default:
                return null;
        }
    }

    /// <summary>The fields of our copy that history compares, taken before the new state is written.</summary>
    internal sealed record Snapshot(string Status, int TierId, BillingInterval Interval, long UnitAmountMinor, bool CancelAtPeriodEnd)
    {
        public static Snapshot Of(LocalSubscription s) => new(s.Status, s.TierId, s.Interval, s.UnitAmountMinor, s.CancelAtPeriodEnd);
    }
}
