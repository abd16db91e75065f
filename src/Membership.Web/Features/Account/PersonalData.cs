using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Account;

/// <summary>
/// A person's own data: everything the site holds about them as JSON, and deleting their account.
/// Deleting keeps the billing records (payments, refunds, membership history, subscriptions: the
/// creators' books and figures must not change) but cuts every link to the person: their name,
/// email, password and sign-in tokens are gone, their live subscriptions are cancelled in Stripe
/// first (so nobody is charged after they left), and their memberships become "left".
/// </summary>
public sealed class PersonalDataHandler(MembershipDbContext db, StripeGateway stripe, TimeProvider clock, ILogger<PersonalDataHandler> logger)
{
    public const string Confirmation = "DELETE";

    public async Task<object?> ExportAsync(string userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var memberships = await db.Members.AsNoTracking().Where(m => m.UserId == userId)
            .Select(m => new
            {
                creator = m.Creator!.DisplayName, handle = m.Creator.Handle, tier = m.Tier != null ? m.Tier.Name : null,
                status = m.Status.ToString(), complimentary = m.IsComplimentary, joined_at = m.JoinedAt, post_emails = m.PostEmails,
                has_private_feed = m.FeedToken != null, lifetime_paid_minor = m.LifetimePaidMinor, currency = m.Creator.Currency,
            })
            .ToListAsync(cancellationToken);
        var payments = await db.Payments.AsNoTracking().Where(p => p.Member!.UserId == userId)
            .OrderBy(p => p.PaidAt)
            .Select(p => new
            {
                creator = p.Member!.Creator!.DisplayName, invoice = p.StripeInvoiceId, amount_minor = p.AmountMinor, currency = p.Currency,
                paid_at = p.PaidAt, refunds = p.Refunds.Select(r => new { amount_minor = r.AmountMinor, refunded_at = r.RefundedAt }).ToList(),
            })
            .ToListAsync(cancellationToken);
        var history = await db.MembershipChanges.AsNoTracking().Where(c => c.Member!.UserId == userId)
            .OrderBy(c => c.OccurredAt)
            .Select(c => new { creator = c.Member!.Creator!.DisplayName, kind = c.Kind.ToString(), occurred_at = c.OccurredAt })
            .ToListAsync(cancellationToken);
        var page = await db.Creators.AsNoTracking().Where(c => c.UserId == userId)
            .Select(c => new { c.Handle, display_name = c.DisplayName, c.Bio, c.Currency, created_at = c.CreatedAt })
            .SingleOrDefaultAsync(cancellationToken);

        var sessions = await db.UserSessions.AsNoTracking().Where(s => s.UserId == userId)
            .OrderBy(s => s.CreatedAt)
            .Select(s => new { device = s.Device, signed_in_at = s.CreatedAt, last_seen_at = s.LastSeenAt, expires_at = s.ExpiresAt })
            .ToListAsync(cancellationToken);
        // The passkeys' names and dates: their public keys are no one's personal data to read.
        var passkeys = (await db.UserPasskeys.AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken))
            .OrderBy(p => p.Data.CreatedAt)
            .Select(p => new { name = p.Data.Name, added_at = p.Data.CreatedAt.UtcDateTime })
            .ToList();

        return new
        {
            exported_at = clock.GetUtcNow().UtcDateTime,
            account = new { email = user.Email, display_name = user.DisplayName, created_at = user.CreatedAt, email_confirmed = user.EmailConfirmed },
            creator_page = page,
            memberships,
            payments,
            membership_history = history,
            sessions,
            passkeys,
        };
    }

    public async Task<Errors> DeleteAsync(string userId, string? confirmation, CancellationToken cancellationToken)
    {
        if (confirmation?.Trim() != Confirmation)
        {
            return new Errors().Add("Confirm", $"Type {Confirmation} to delete your account.");
        }

        if (await db.Creators.AnyAsync(c => c.UserId == userId, cancellationToken))
        {
            // REVIEW: closing a creator page (its members, posts and payouts) is an operator's job for now.
            return new Errors().Add("", "You run a creator page: ask the site's operator to close it before deleting your account.");
        }

        // Stripe first: if it cannot be reached, nothing here changes and the person can try again.
        var live = await db.Subscriptions.Where(s => s.Member!.UserId == userId
                && (s.Status == StripeStatuses.Active || s.Status == StripeStatuses.Trialing || s.Status == StripeStatuses.PastDue
                    || s.Status == StripeStatuses.Unpaid || s.Status == StripeStatuses.Incomplete))
            .Select(s => s.StripeSubscriptionId).ToListAsync(cancellationToken);
        foreach (var subscriptionId in live)
        {
            try
            {
                await stripe.CallAsync((client, token) => new SubscriptionService(client).CancelAsync(subscriptionId, cancellationToken: token), cancellationToken);
            }
            catch (StripeException exception) when (exception.StripeError?.Code == "resource_missing")
            {
                logger.LogInformation("Subscription {SubscriptionId} was already gone in Stripe", subscriptionId);
            }
        }

        // Every row together or none (under the provider's retry strategy).
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow().UtcDateTime;
            var user = await db.Users.SingleAsync(u => u.Id == userId, cancellationToken);
            var oldEmail = user.NormalizedEmail;
            var placeholder = $"deleted-{user.Id}@deleted.invalid";
            user.Email = user.UserName = placeholder;
            user.NormalizedEmail = user.NormalizedUserName = placeholder.ToUpperInvariant();
            user.EmailConfirmed = false;
            user.DisplayName = "Deleted member";
            user.PasswordHash = null;
            user.PhoneNumber = null;
            user.SecurityStamp = Guid.NewGuid().ToString("N");
            user.LockoutEnabled = true;
            user.LockoutEnd = DateTimeOffset.MaxValue;
            // Tracked, not ExecuteUpdate: a member who leaves no longer counts as a follower in the creator's monthly totals.
            foreach (var member in await db.Members.Where(m => m.UserId == userId).ToListAsync(cancellationToken))
            {
                member.Status = MemberStatus.Left;
                member.PostEmails = false;
                member.FeedToken = null;
                member.Notes = "";
                member.UpdatedAt = now;
            }

            await db.MagicLinkTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserPasskeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserLogins.Where(l => l.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserClaims.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            if (oldEmail is not null)
            {
                await db.OutboxEmails.Where(e => e.SentAt == null && e.To.ToUpper() == oldEmail).ExecuteDeleteAsync(cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        logger.LogInformation("Account {UserId} deleted at its owner's request", userId);
        return Errors.None;
    }
}
