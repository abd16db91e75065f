using System.Net;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Security;

/// <summary>Forms the site cannot take (a NUL character, over ASP.NET Core's form limits): a 400 page that says what was wrong, and nothing saved.</summary>
public sealed class BadFormTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    private static Dictionary<string, string> SignUp(string email, string name = "Test Person") => new()
    {
        ["DisplayName"] = name,
        ["Email"] = email,
        ["Password"] = Passwords.Good,
    };

    [Fact]
    public async Task SignUp_NulInAField_400NamesTheFieldAndSavesNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email("nul");

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", SignUp(email, "Nul\0Name"));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("A field of the form contained a NUL character (\\0), which the site does not accept.", page.Text);
        Assert.Contains("Nothing was saved.", page.Text);
        Assert.DoesNotContain("Something went wrong", page.Text);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        Assert.Equal(0, await site.EmailsToAsync(email));
    }

    [Fact]
    public async Task TierForm_NulInTheName_400AndNoTier()
    {
        using var browser = site.CreateBrowser();
        await browser.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await browser.CreateCreatorPageAsync(handle);

        var page = await browser.CreateTierAsync(TestBrowser.TierFields("Gold\0"));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("contained a NUL character", page.Text);
        Assert.Equal(0, await site.WithDbAsync(db => db.Tiers.CountAsync(t => t.Creator!.Handle == handle)));
    }

    [Fact]
    public async Task SignUp_MoreFieldsThanTheLimit_400SaysSoAndSavesNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email("fields");
        var fields = SignUp(email);
        for (var i = 0; i < 200; i++)
        {
            fields[$"extra{i}"] = "x";
        }

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", fields);

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("The form had more than 200 fields.", page.Text);
        Assert.DoesNotContain("Something went wrong", page.Text);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task SignUp_FieldLongerThanTheLimit_400SaysSoAndSavesNothing()
    {
        using var browser = site.CreateBrowser();
        var email = Unique.Email("long");

        var page = await browser.SubmitAsync("/account/sign-up", "/account/sign-up", SignUp(email, new string('a', (4 * 1024 * 1024) + 1)));

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("A field of the form was longer than 4,194,304 characters.", page.Text);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Search_NulInTheQueryString_400NamesTheField()
    {
        using var creator = site.CreateBrowser();
        await creator.RegisterAsync(Unique.Email());
        var handle = Unique.Handle();
        await creator.CreateCreatorPageAsync(handle);
        using var visitor = site.CreateBrowser();

        var page = await visitor.GetAsync($"/{handle}/search?q=a%00b");

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("The field \"q\" contained a NUL character (\\0), which the site does not accept.", page.Text);
    }
}
