using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Members;

/// <summary>CSV import: Patreon and Substack exports, a preview with per-row errors, nothing written until confirmed.</summary>
public sealed partial class ImportTests(SiteFixture site) : IClassFixture<SiteFixture>
{
    [Fact]
    public async Task PatreonExport_Complimentary_PreviewErrorsThenConfirm_WritesOnlyValidRowsOnce()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        await owner.CreateTierAsync(TestBrowser.TierFields("Gold"));
        var existing = Unique.Email("existing");
        using (var fan = site.CreateBrowser())
        {
            await fan.RegisterAsync(existing);
            await fan.SubmitAsync("/" + handle, $"/{handle}/follow", []);
        }

        var newcomer = Unique.Email("new");
        var csv = new StringBuilder()
            .AppendLine("Name,Email,Twitter,Patron Status,Follows You,Lifetime Amount,Pledge Amount,Charge Frequency,Tier,Addressee")
            .AppendLine($"New Patron,{newcomer},,Active patron,Yes,$50.00,$5.00,monthly,gold,New Patron")
            .AppendLine("Broken,not-an-email,,Active patron,Yes,$5.00,$5.00,monthly,Gold,")
            .AppendLine($"Twice,{newcomer.ToUpperInvariant()},,Active patron,Yes,$5.00,$5.00,monthly,Gold,")
            .AppendLine($"Old Friend,{existing},,Active patron,Yes,$5.00,$5.00,monthly,Gold,")
            .AppendLine($"Platinum,{Unique.Email("plat")},,Active patron,Yes,$5.00,$5.00,monthly,Platinum,")
            .ToString();

        var preview = await owner.UploadAsync("/creator/members/import", "/creator/members/import", "members.csv", Encoding.UTF8.GetBytes(csv),
            new Dictionary<string, string> { ["Form.Kind"] = "complimentary" });

        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("Preview: Patreon layout, 1 of 5 rows", preview.Html);
        Assert.Contains("is not an email address", preview.Text);
        Assert.Contains("Duplicate: this email is on an earlier row.", preview.Text);
        Assert.Contains("Already one of your members.", preview.Text);
        Assert.Contains("Unknown tier \"Platinum\".", preview.Text);
        Assert.False(await site.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == newcomer)), "The preview wrote nothing");

        var token = WebUtility.HtmlDecode(Token().Match(preview.Html).Groups[1].Value);
        var tampered = await owner.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token[..^4] + "AAAA" });
        Assert.Equal(HttpStatusCode.BadRequest, tampered.Status);

        var confirmed = await owner.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token });
        Assert.Equal(HttpStatusCode.Redirect, confirmed.Status);
        var member = await site.WithDbAsync(db => db.Members.Include(m => m.Tier).Include(m => m.User).SingleAsync(m => m.Creator!.Handle == handle && m.User!.Email == newcomer));
        Assert.Equal((MemberStatus.Active, true, "Gold", "New Patron"), (member.Status, member.IsComplimentary, member.Tier!.Name, member.User!.DisplayName));
        Assert.Null(member.User.PasswordHash);

        // The same confirmation again adds nobody.
        await owner.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token });
        Assert.Equal(1, await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == handle && m.User!.Email == newcomer)));
        Assert.Equal(2, await site.WithDbAsync(db => db.Members.CountAsync(m => m.Creator!.Handle == handle)));

        // Another creator cannot replay this creator's import on their own page's members... nor on this one.
        using var other = site.CreateBrowser();
        await other.RegisterAsync(Unique.Email("other"));
        await other.CreateCreatorPageAsync(Unique.Handle());
        Assert.Equal(HttpStatusCode.BadRequest, (await other.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token })).Status);
    }

    [Fact]
    public async Task SubstackExport_Free_AllRowsAdded_NoHeaderOrBadKind_400()
    {
        using var owner = site.CreateBrowser();
        await owner.RegisterAsync(Unique.Email("owner"));
        var handle = Unique.Handle();
        await owner.CreateCreatorPageAsync(handle);
        var first = Unique.Email("sub1");
        var second = Unique.Email("sub2");
        var csv = $"email,active_subscription,expiry,plan,email_disabled,created_at\n{first},false,,,false,2025-01-01\n{second},true,2026-01-01,yearly,false,2025-02-01\n";

        var preview = await owner.UploadAsync("/creator/members/import", "/creator/members/import", "subscribers.csv", Encoding.UTF8.GetBytes(csv),
            new Dictionary<string, string> { ["Form.Kind"] = "free" });
        Assert.Contains("Preview: Substack layout, 2 of 2 rows", preview.Html);
        var token = WebUtility.HtmlDecode(Token().Match(preview.Html).Groups[1].Value);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync("/creator/members", "/creator/members/import/confirm", new Dictionary<string, string> { ["token"] = token })).Status);
        var statuses = await site.WithDbAsync(db => db.Members.Where(m => m.Creator!.Handle == handle).Select(m => m.Status).ToListAsync());
        Assert.Equal([MemberStatus.Following, MemberStatus.Following], statuses);

        var noEmail = await owner.UploadAsync("/creator/members/import", "/creator/members/import", "x.csv", Encoding.UTF8.GetBytes("name,phone\nA,1\n"),
            new Dictionary<string, string> { ["Form.Kind"] = "free" });
        Assert.Equal(HttpStatusCode.BadRequest, noEmail.Status);
        Assert.Contains("no email column", noEmail.Html);
        var badKind = await owner.UploadAsync("/creator/members/import", "/creator/members/import", "x.csv", Encoding.UTF8.GetBytes(csv),
            new Dictionary<string, string> { ["Form.Kind"] = "vip" });
        Assert.Equal(HttpStatusCode.BadRequest, badKind.Status);
    }

    [GeneratedRegex("name=\"token\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
