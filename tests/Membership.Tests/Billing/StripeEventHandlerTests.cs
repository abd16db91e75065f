using Membership.Tests.Infrastructure;
using Membership.Web.Features.Billing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Billing;

public sealed class StripeEventHandlerTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public void EveryHandledType_HasExactlyOneInjectedHandler_AndNoHandlerListensToAnUnlistedType()
    {
        using var scope = site.Services.CreateScope();
        var handlers = scope.ServiceProvider.GetServices<IStripeEventHandler>().ToList();
        foreach (var type in StripeEventTypes.Handled)
        {
            Assert.Single(handlers, h => h.Handles(type));
        }

        Assert.DoesNotContain(handlers, h => h.Handles("invoice.created") || h.Handles("customer.updated"));
        Assert.Equal(7, handlers.Count);
    }
}
