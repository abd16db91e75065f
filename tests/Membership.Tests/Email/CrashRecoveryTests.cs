using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Email;

/// <summary>
/// A sender that dies mid-batch: after a few messages its channel never answers again, the way
/// a killed process goes silent (no clean-up, no more writes, claims left behind). A new host on
/// the same database finishes the delivery once the dead sender's lease runs out.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task SenderKilledMidBatch_NewHostFinishes_EveryRecipientExactlyOnce()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var sendCalls = 0;
        var killed = new TaskCompletionSource();
        var never = new TaskCompletionSource();
        // Fault seam: the real SMTP channels, except that the process "dies" at the 8th message.
        await using var first = EmailScenario.SiteFor(smtp, clock, services => ChannelSeam.Around(services, async _ =>
        {
            var call = Interlocked.Increment(ref sendCalls);
            if (call > 7)
            {
                // Both workers (2 connections) stuck here means the "process" does nothing more.
                if (call >= 9)
                {
                    killed.TrySetResult();
                }

                await never.Task;
            }
        }));
        var scenario = await new EmailScenario(first).BuildAsync();
        for (var i = 0; i < 30; i++)
        {
            await scenario.AddFanAsync($"extra{i}", MemberStatus.Following, null);
        }

        var postId = await scenario.PublishAndEmailAsync("crash", "Members", "SECRET-c");
        var deliveryId = await scenario.DeliveryIdAsync(postId);
        var sending = Task.Run(() => scenario.SendAsync(deliveryId));
        var outcome = await Task.WhenAny(killed.Task, sending, Task.Delay(TimeSpan.FromSeconds(30)));
        if (outcome == sending)
        {
            await sending; // surfaces why the sender stopped before it "died"
            Assert.Fail($"The sender finished before it could be killed ({sendCalls} send calls).");
        }

        Assert.True(outcome == killed.Task, $"The sender never got stuck: {sendCalls} send calls, {smtp.Recipients().Count} delivered.");
        var delivered = smtp.Recipients().Count;
        Assert.InRange(delivered, 1, 7);
        var stillClaimed = await first.WithDbAsync(db => db.EmailRecipients.CountAsync(r => r.DeliveryId == deliveryId && r.Status == RecipientStatus.Pending && r.ClaimedUntil != null));
        Assert.True(stillClaimed > 0, "The dead sender's claims stay behind until their lease ends");

        // A new host on the same database, after the dead sender's lease (10 minutes) ran out.
        clock.Advance(TimeSpan.FromMinutes(11));
        await using var second = new MembershipFactory(first.Database, first.DataDirectory)
        {
            Clock = clock,
            ExtraSettings = EmailScenario.SmtpSettings(smtp),
        };
        await using (var scope = second.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<DeliveryResumer>().ResumeAsync(CancellationToken.None));
        }

        await scenario.SendAsync(deliveryId, on: second);

        var recipients = smtp.Recipients();
        Assert.Equal(35, recipients.Count);
        Assert.Equal(35, recipients.Distinct().Count());
        Assert.Equal(35, (await scenario.StatusCountsAsync(deliveryId, on: second))[RecipientStatus.Sent]);
    }
}
