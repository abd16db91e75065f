using Membership.Data;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Membership.Tests.Email;

/// <summary>
/// The sender's "mark sent" writer on the real database: marks from several workers at once
/// are each committed (grouped or not) before the caller goes on, and a mark only lands on a row
/// the worker still holds and that is still pending.
/// </summary>
public sealed class SentMarksTests
{
    [Fact]
    public async Task MarkAsync_ManyWorkersAtOnce_EachCommittedBeforeItReturns()
    {
        await using var site = new MembershipFactory();
        var (deliveryId, ids) = await RecordAsync(site, fans: 24);
        var workers = new[] { "node:1/run/0", "node:1/run/1", "node:1/run/2", "node:1/run/3" };
        await ClaimAsync(site, ids, index => workers[index % workers.Length]);
        var sentAt = new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

        await using (var scope = site.Services.CreateAsyncScope())
        await using (var marks = await RecipientCommands.PrepareSentMarksAsync(scope.ServiceProvider.GetRequiredService<MembershipDbContext>(), NullLogger.Instance, CancellationToken.None))
        {
            // Each worker marks its rows one after another, as the sender does; the four run at once.
            var results = await Task.WhenAll(workers.Select(async (worker, w) =>
            {
                var marked = new List<bool>();
                for (var i = w; i < ids.Count; i += workers.Length)
                {
                    marked.Add(await marks.MarkAsync(ids[i], worker, sentAt));
                    // Committed when MarkAsync returns: another connection already sees it.
                    var status = await site.WithDbAsync(db => db.EmailRecipients.Where(r => r.Id == ids[i]).Select(r => r.Status).SingleAsync());
                    Assert.Equal(RecipientStatus.Sent, status);
                }

                return marked;
            }));
            Assert.All(results.SelectMany(r => r), Assert.True);
        }

        var rows = await site.WithDbAsync(db => db.EmailRecipients.Where(r => r.DeliveryId == deliveryId).ToListAsync());
        Assert.Equal(24, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal(RecipientStatus.Sent, row.Status);
            Assert.Equal(1, row.Attempts);
            Assert.Equal(sentAt, row.SentAt);
            Assert.Null(row.ClaimedUntil);
            Assert.Null(row.LastError);
        });
    }

    [Fact]
    public async Task MarkAsync_RowHeldByAnotherWorkerOrAlreadySent_FalseAndUnchanged()
    {
        await using var site = new MembershipFactory();
        var (_, ids) = await RecordAsync(site, fans: 2);
        await ClaimAsync(site, ids, index => index == 0 ? "mine" : "theirs");
        var sentAt = DateTime.UtcNow;

        await using var scope = site.Services.CreateAsyncScope();
        await using var marks = await RecipientCommands.PrepareSentMarksAsync(scope.ServiceProvider.GetRequiredService<MembershipDbContext>(), NullLogger.Instance, CancellationToken.None);

        Assert.True(await marks.MarkAsync(ids[0], "mine", sentAt));
        Assert.False(await marks.MarkAsync(ids[0], "mine", sentAt));
        Assert.False(await marks.MarkAsync(ids[1], "mine", sentAt));

        var rows = await site.WithDbAsync(db => db.EmailRecipients.Where(r => ids.Contains(r.Id)).OrderBy(r => r.Id).ToListAsync());
        Assert.Equal((RecipientStatus.Sent, 1), (rows[0].Status, rows[0].Attempts));
        Assert.Equal((RecipientStatus.Pending, 0, "theirs"), (rows[1].Status, rows[1].Attempts, rows[1].ClaimedBy));
        Assert.Null(rows[1].SentAt);
    }

    [Fact]
    public async Task MarkAsync_AfterTheRunIsDisposed_Throws()
    {
        await using var site = new MembershipFactory();
        var (_, ids) = await RecordAsync(site, fans: 1);
        await ClaimAsync(site, ids, _ => "w");
        await using var scope = site.Services.CreateAsyncScope();
        var marks = await RecipientCommands.PrepareSentMarksAsync(scope.ServiceProvider.GetRequiredService<MembershipDbContext>(), NullLogger.Instance, CancellationToken.None);
        await marks.DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => marks.MarkAsync(ids[0], "w", DateTime.UtcNow));
        Assert.Equal(RecipientStatus.Pending, await site.WithDbAsync(db => db.EmailRecipients.Where(r => r.Id == ids[0]).Select(r => r.Status).SingleAsync()));
    }

    /// <summary>A members-only post emailed to <paramref name="fans"/> active members: the delivery and its recipient ids.</summary>
    private static async Task<(int DeliveryId, List<long> RecipientIds)> RecordAsync(MembershipFactory site, int fans)
    {
        var scenario = new EmailScenario(site);
        await scenario.BuildAsync();
        // The scenario's own fans are removed from the count: only these receive the post.
        await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == scenario.Handle).ExecuteDeleteAsync());
        for (var i = 0; i < fans; i++)
        {
            await scenario.AddFanAsync($"fan{i}", MemberStatus.Active, scenario.Tiers["Gold"]);
        }

        var postId = await scenario.PublishAndEmailAsync(Unique.Handle("marks"), "Members", "the secret");
        var deliveryId = await scenario.DeliveryIdAsync(postId);
        var ids = await site.WithDbAsync(db => db.EmailRecipients.Where(r => r.DeliveryId == deliveryId).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync());
        Assert.Equal(fans, ids.Count);
        return (deliveryId, ids);
    }

    private static Task ClaimAsync(MembershipFactory site, List<long> ids, Func<int, string> worker) => site.WithDbAsync(async db =>
    {
        var rows = await db.EmailRecipients.Where(r => ids.Contains(r.Id)).ToListAsync();
        foreach (var row in rows)
        {
            row.ClaimedBy = worker(ids.IndexOf(row.Id));
            row.ClaimedUntil = DateTime.UtcNow.AddMinutes(10);
        }

        await db.SaveChangesAsync();
    });
}
