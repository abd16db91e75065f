using Hangfire;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts.Email;

/// <summary>
/// Records a post's email delivery: the delivery and one recipient row for every member who may
/// read the post and wants post emails, all in one transaction, before any mail leaves. Then
/// hands the sending to a job. A post is emailed once: a second request changes nothing.
/// </summary>
public sealed class RecordDeliveryHandler(MembershipDbContext db, IBackgroundJobClient jobs, TimeProvider clock, ILogger<RecordDeliveryHandler> logger)
{
    public async Task<(EmailDelivery? Delivery, int Recipients, Errors Errors)> RecordAsync(int postId, CancellationToken cancellationToken = default)
    {
        var post = await db.Posts.Include(p => p.Tiers).Include(p => p.Creator).SingleOrDefaultAsync(p => p.Id == postId, cancellationToken);
        if (post is null)
        {
            return (null, 0, new Errors().Add("", "The post no longer exists."));
        }

        if (post.Status != PostStatus.Published)
        {
            return (null, 0, new Errors().Add("", "Publish the post before emailing it."));
        }

        if (await db.EmailDeliveries.AnyAsync(d => d.PostId == postId, cancellationToken))
        {
            return (null, 0, new Errors().Add("", "This post has already been emailed."));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var recipients = (await RecipientsQuery(post).ToListAsync(cancellationToken)).Select(r => (r.MemberId, r.Email)).ToList();
        var delivery = new EmailDelivery { PostId = post.Id, CreatedAt = now, CompletedAt = recipients.Count == 0 ? now : null };

        // One transaction: the delivery and all its recipients, or nothing. Under the provider's
        // execution strategy (SQL Server retries a transient failure by running it all again).
        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
            {
                // A retry starts over: the delivery is added afresh (the post and whatever else the
                // caller has tracked stay as they are).
                db.Entry(delivery).State = EntityState.Detached;
                delivery.Id = 0;
                await using var transaction = await db.Database.BeginTransactionAsync(token);
                db.EmailDeliveries.Add(delivery);
                await db.SaveChangesAsync(token);
                await RecipientCommands.InsertAsync(db, delivery.Id, recipients, token);
                await transaction.CommitAsync(token);
            }, cancellationToken);
        }
        catch (DbUpdateException)
        {
            if (!await AlreadyRecordedAsync(postId))
            {
                throw;
            }

            // Recorded concurrently (two clicks, two nodes): the unique post index kept one.
            return (null, 0, new Errors().Add("", "This post has already been emailed."));
        }

        logger.LogInformation("Recorded email delivery {DeliveryId} of post {PostId} to {Count} members", delivery.Id, post.Id, recipients.Count);
        if (recipients.Count > 0)
        {
            jobs.Enqueue<PostDeliverySender>(sender => sender.SendAsync(delivery.Id, CancellationToken.None));
        }

        return (delivery, recipients.Count, Errors.None);
    }

    private async Task<bool> AlreadyRecordedAsync(int postId)
    {
        db.ChangeTracker.Clear();
        return await db.EmailDeliveries.AnyAsync(d => d.PostId == postId);
    }

    /// <summary>How many members the post would go to now (shown before sending).</summary>
    public Task<int> CountRecipientsAsync(Post post, CancellationToken cancellationToken = default) =>
        RecipientsQuery(post).CountAsync(cancellationToken);

    private IQueryable<RecipientRow> RecipientsQuery(Post post)
    {
        var creatorUserId = post.Creator!.UserId;
        return db.Members
            .Where(m => m.CreatorId == post.CreatorId && m.PostEmails && m.UserId != creatorUserId)
            .Where(Entitlement.MembersWhoCanRead(post))
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.Id, u.Email, u.NormalizedEmail, u.EmailConfirmed })
            .Where(x => x.EmailConfirmed && x.Email != null)
            .Where(x => !db.EmailSuppressions.Any(s => s.NormalizedEmail == x.NormalizedEmail))
            .OrderBy(x => x.Id)
            .Select(x => new RecipientRow(x.Id, x.Email!));
    }

    private sealed record RecipientRow(int MemberId, string Email);
}
