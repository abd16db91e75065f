using Membership.Tests.Infrastructure;
using Membership.Web.Host;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Data;

public sealed class DemoSeedTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task SeedDemo_RunTwice_SameDataAndDemoAccountsSignIn()
    {
        await SeedAsync();
        var first = await CountsAsync();
        await SeedAsync();
        var second = await CountsAsync();

        Assert.Equal(first, second);
        Assert.Equal((2, 1, 2, 1, 3), first);
        using var creator = site.CreateBrowser();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await creator.SignInAsync(DemoSeeder.CreatorEmail, DemoSeeder.CreatorPassword)).Status);
        using var fan = site.CreateBrowser();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await fan.SignInAsync(DemoSeeder.FanEmail, DemoSeeder.FanPassword)).Status);
        var page = await fan.GetAsync("/" + DemoSeeder.Handle);
        Assert.Contains("Supporter", page.Html);
        Assert.Contains("Insider", page.Html);
        Assert.Contains("You follow this page.", page.Html);
    }

    private async Task SeedAsync()
    {
        await using var scope = site.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
    }

    private Task<(int Users, int Creators, int Tiers, int Members, int Posts)> CountsAsync() => site.WithDbAsync(async db => (
        await db.Users.CountAsync(),
        await db.Creators.CountAsync(),
        await db.Tiers.CountAsync(),
        await db.Members.CountAsync(),
        await db.Posts.CountAsync()));
}
