using System.Net;
using Membership.Tests.Infrastructure;

namespace Membership.Tests.Security;

public sealed class RateLimitTests
{
    private sealed class StrictSite : MembershipFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Security:AuthRateLimitPermits"] = "3",
            ["Security:AuthRateLimitWindowSeconds"] = "600",
        };
    }

    [Theory]
    [InlineData("/account/sign-in")]
    [InlineData("/account/sign-up")]
    [InlineData("/account/magic-link")]
    [InlineData("/account/forgot-password")]
    public async Task AuthForm_OverTheLimit_Answers429WithRetryAfter(string form)
    {
        await using var site = new StrictSite();
        using var browser = site.CreateBrowser();
        var fields = new Dictionary<string, string> { ["Email"] = Unique.Email(), ["Password"] = "wrong password", ["DisplayName"] = "x" };

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var allowed = await browser.SubmitAsync(form, form, fields);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.Status);
        }

        var limited = await browser.SubmitAsync(form, form, fields);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        var retryAfter = Assert.Single(limited.Response.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 600);
        Assert.Contains("Too many attempts", limited.Html);
    }

    [Fact]
    public async Task AuthLimit_DoesNotApplyToReadingPages()
    {
        await using var site = new StrictSite();
        using var browser = site.CreateBrowser();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/sign-in")).Status);
        }
    }
}
