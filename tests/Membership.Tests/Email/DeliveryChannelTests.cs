using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure.Email;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Email;

/// <summary>
/// A delivery channel over a real SMTP server (aiosmtpd) finishes each message only after the
/// task it is given: the worker passes the previous recipient's "sent" mark, so the server
/// cannot accept a message while the one before it is still unmarked (the duplicate window stays
/// one message per connection), and a mark that fails leaves the next message undelivered.
/// </summary>
public sealed class DeliveryChannelTests
{
    private static EmailMessage Message(string to, string marker) =>
        new(to, "Held back", $"Hello, {marker}.", $"<p>Hello, {marker}.</p>") { MessageId = $"{marker}@membership.test" };

    [Fact]
    public async Task SendAsync_IsNotAcceptedBeforeFinishAfter_ThenIsAcceptedOnce()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        await using var channel = site.Services.GetRequiredService<IDeliveryChannelFactory>().Create();
        var mark = new TaskCompletionSource();

        var sending = channel.SendAsync(Message("ann@example.test", "held-1"), mark.Task, CancellationToken.None);
        // Long enough for aiosmtpd to take the whole message (it accepts one in a few milliseconds).
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.False(sending.IsCompleted);
        Assert.Empty(smtp.Messages());
        mark.SetResult();
        await sending.WaitAsync(TimeSpan.FromSeconds(10));
        var accepted = Assert.Single(smtp.Messages());
        Assert.Equal("held-1@membership.test", accepted.MessageId);
        Assert.Equal("<p>Hello, held-1.</p>", accepted.HtmlBody?.TrimEnd());
    }

    [Fact]
    public async Task SendAsync_WhenFinishAfterFails_TheMessageIsNotDelivered_AndTheChannelGoesOnAfterAReset()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        await using var site = EmailScenario.SiteFor(smtp);
        await using var channel = site.Services.GetRequiredService<IDeliveryChannelFactory>().Create();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            channel.SendAsync(Message("ann@example.test", "unfinished"), Task.FromException(new InvalidOperationException("mark refused")), CancellationToken.None));
        Assert.Equal("mark refused", refused.Message);
        await channel.ResetAsync();
        await channel.SendAsync(Message("bob@example.test", "next"), Task.CompletedTask, CancellationToken.None);

        var accepted = Assert.Single(smtp.Messages());
        Assert.Equal("next@membership.test", accepted.MessageId);
    }
}
