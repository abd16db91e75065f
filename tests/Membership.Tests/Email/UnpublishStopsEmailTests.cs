using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Email;

/// <summary>
/// "Unpublish" while a post is being emailed: the sending stops before each connection's next
/// message (not at the end of a batch of hundreds), the rest waits, and goes — once each — when
/// the post is published again.
/// </summary>
public sealed class UnpublishStopsEmailTests
{
    [Fact]
    public async Task Unpublish_MidDelivery_AtMostOneMoreMessagePerConnection_RestSentOnceAfterRepublish()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        var calls = 0;
        var startedAfterUnpublish = 0;
        var unpublished = false;
        var tenth = new TaskCompletionSource();
        var carryOn = new TaskCompletionSource();
        var settings = EmailScenario.SmtpSettings(smtp);
        // One batch holds every recipient: only a per-message check can stop it early.
        settings["Email:Delivery:BatchSize"] = "1000";
        var parallelism = 0;
        await using var site = new MembershipFactory
        {
            ExtraSettings = settings,
            TestServices = services => ChannelSeam.Around(services, async _ =>
            {
                if (Volatile.Read(ref unpublished))
                {
                    Interlocked.Increment(ref startedAfterUnpublish);
                }

                if (Interlocked.Increment(ref calls) == 10)
                {
                    // The creator presses "Unpublish" while this message is on its way.
                    tenth.TrySetResult();
                    await carryOn.Task;
                }
            }, connections => parallelism = connections),
        };
        var scenario = await new EmailScenario(site).BuildAsync();
        for (var i = 0; i < 200; i++)
        {
            await scenario.AddFanAsync($"many{i}", MemberStatus.Following, null);
        }

        var postId = await scenario.PublishAndEmailAsync("typo", "Members", "SECRET-typo");
        var deliveryId = await scenario.DeliveryIdAsync(postId);
        var sending = Task.Run(() => scenario.SendAsync(deliveryId));
        Assert.Same(tenth.Task, await Task.WhenAny(tenth.Task, sending, Task.Delay(TimeSpan.FromSeconds(30))));

        var answer = await scenario.Creator.SubmitAsync($"/creator/posts/{postId}", $"/creator/posts/{postId}/unpublish", []);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, answer.Status);
        Volatile.Write(ref unpublished, true);
        carryOn.SetResult();
        await sending;

        // After "Unpublish" returned, at most the message each connection already had on its way.
        Assert.InRange(startedAfterUnpublish, 0, parallelism);
        var sentBeforeRepublish = smtp.Recipients().Count;
        Assert.InRange(sentBeforeRepublish, 10, 10 + (2 * parallelism));
        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.True(counts.GetValueOrDefault(RecipientStatus.Pending) > 150, "the rest waits");

        await site.WithDbAsync(db => db.Posts.Where(p => p.Id == postId).ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, PostStatus.Published)));
        await scenario.SendAsync(deliveryId);

        var recipients = smtp.Recipients();
        Assert.Equal(recipients.Count, recipients.Distinct().Count());
        Assert.Equal(0, (await scenario.StatusCountsAsync(deliveryId)).GetValueOrDefault(RecipientStatus.Pending));
    }
}
