using System.Net;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Security;

public sealed class JobsDashboardTests
{
    [Fact]
    public async Task JobsDashboard_AdminOnly_EveryoneElseGets403()
    {
        await using var site = new MembershipFactory();
        using var admin = site.CreateBrowser();
        await admin.RegisterAsync(Unique.Email("admin"));
        using var fan = site.CreateBrowser();
        await fan.RegisterAsync(Unique.Email("fan"));
        using var anonymous = site.CreateBrowser();

        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/admin/jobs")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/admin/jobs/recurring")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await fan.GetAsync("/admin/jobs")).Status);
        var page = await admin.GetAsync("/admin/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("posts:publish-due", page.Html);
        Assert.Contains("email:resume-deliveries", page.Html);
    }
}
