using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure.Email;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace Membership.Tests.Email;

/// <summary>
/// Fault seam for post deliveries: the real SMTP channels, with every send going through
/// <c>before</c> first (to count it, hold it, or make it never return, as a killed process would).
/// </summary>
internal static class ChannelSeam
{
    /// <summary>Registers the seam; <paramref name="parallelism"/> is told how many connections a run opens.</summary>
    public static void Around(IServiceCollection services, Func<EmailMessage, Task> before, Action<int>? parallelism = null) =>
        services.AddSingleton<IDeliveryChannelFactory>(provider =>
        {
            var real = ActivatorUtilities.CreateInstance<DeliveryChannelFactory>(provider);
            parallelism?.Invoke(real.Parallelism);
            var factory = new Mock<IDeliveryChannelFactory>();
            factory.SetupGet(f => f.Parallelism).Returns(real.Parallelism);
            factory.Setup(f => f.Create()).Returns(() =>
            {
                var channel = real.Create();
                var watched = new Mock<IDeliveryChannel>();
                watched.Setup(c => c.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<Task>(), It.IsAny<CancellationToken>()))
                    .Returns(async (EmailMessage message, Task finishAfter, CancellationToken token) =>
                    {
                        await before(message);
                        await channel.SendAsync(message, finishAfter, token);
                    });
                watched.Setup(c => c.ResetAsync()).Returns(channel.ResetAsync);
                watched.Setup(c => c.DisposeAsync()).Returns(channel.DisposeAsync);
                return watched.Object;
            });
            return factory.Object;
        });
}
