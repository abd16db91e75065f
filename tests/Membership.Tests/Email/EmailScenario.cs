using System.Globalization;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Email;

/// <summary>A creator with tiers and fans in every membership state, on a site that sends through <paramref name="smtp"/>.</summary>
public sealed class EmailScenario(MembershipFactory site)
{
    public string Handle { get; } = Unique.Handle("mail");

    public Dictionary<string, int> Tiers { get; } = new();

    /// <summary>Fan email by name ("follower", "bronze", "gold", ...).</summary>
    public Dictionary<string, string> Fans { get; } = new();

    public TestBrowser Creator { get; private set; } = null!;

    public static MembershipFactory SiteFor(SmtpServer smtp, TimeProvider? clock = null, Action<IServiceCollection>? services = null) => new()
    {
        Clock = clock,
        TestServices = services,
        ExtraSettings = SmtpSettings(smtp),
    };

    /// <summary>Settings that point a site at <paramref name="smtp"/>, with fast retries.</summary>
    public static Dictionary<string, string?> SmtpSettings(SmtpServer smtp) => new()
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None",
            ["Email:Smtp:Connections"] = "2",
            ["Email:Smtp:TimeoutSeconds"] = "5",
            ["Email:Delivery:RetryDelayMilliseconds"] = "20",
            ["Email:Delivery:BatchSize"] = "10",
        };

    public async Task<EmailScenario> BuildAsync()
    {
        Creator = site.CreateBrowser();
        var creatorEmail = Unique.Email("creator");
        await site.CreateConfirmedAsync(creatorEmail);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await Creator.SignInAsync(creatorEmail)).Status);
        await Creator.CreateCreatorPageAsync(Handle);
        await Creator.CreateTierAsync(TestBrowser.TierFields("Bronze", "3.00"));
        await Creator.CreateTierAsync(TestBrowser.TierFields("Gold", "20.00"));
        foreach (var tier in await site.WithDbAsync(db => db.Tiers.Where(t => t.Creator!.Handle == Handle).ToListAsync()))
        {
            Tiers[tier.Name] = tier.Id;
        }

        await AddFanAsync("follower", MemberStatus.Following, null);
        await AddFanAsync("bronze", MemberStatus.Active, Tiers["Bronze"]);
        await AddFanAsync("gold", MemberStatus.Active, Tiers["Gold"]);
        await AddFanAsync("pastdue-gold", MemberStatus.PastDue, Tiers["Gold"]);
        await AddFanAsync("lapsed-gold", MemberStatus.Ended, Tiers["Gold"]);
        await AddFanAsync("quiet-gold", MemberStatus.Active, Tiers["Gold"], postEmails: false);
        return this;
    }

    public Task AddFanAsync(string name, MemberStatus status, int? tierId, bool postEmails = true) => site.WithDbAsync(async db =>
    {
        var email = $"{name}-{Guid.NewGuid():N}@example.test";
        var user = new AppUser
        {
            UserName = email,
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            NormalizedUserName = email.ToUpperInvariant(),
            EmailConfirmed = true,
            DisplayName = "Fan " + name,
            CreatedAt = DateTime.UtcNow,
        };
        db.Users.Add(user);
        var creator = await db.Creators.SingleAsync(c => c.Handle == Handle);
        db.Members.Add(new Member
        {
            CreatorId = creator.Id,
            UserId = user.Id,
            TierId = tierId,
            Status = status,
            PostEmails = postEmails,
            JoinedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
        Fans[name] = email;
    });

    /// <summary>Publishes a post through the editor with "also send by email", which records the delivery. Returns the post id.</summary>
    public async Task<int> PublishAndEmailAsync(string slug, string access, string secret, params string[] tierNames)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("Form.Title", "Title " + slug),
            new("Form.Slug", slug),
            new("Form.Body", $"Teaser for {slug}.\n\n<!--members-only-->\n\nBelow the cut: {secret}"),
            new("Form.Access", access),
            new("Form.Intent", "Publish"),
            new("Form.EmailOnPublish", "true"),
        };
        fields.AddRange(tierNames.Select(t => new KeyValuePair<string, string>("Form.TierIds", Tiers[t].ToString(CultureInfo.InvariantCulture))));
        var page = await Creator.SubmitAsync("/creator/posts/new", "/creator/posts/new", fields);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, page.Status);
        return await site.WithDbAsync(db => db.Posts.Where(p => p.Slug == slug && p.Creator!.Handle == Handle).Select(p => p.Id).SingleAsync());
    }

    public Task<int> DeliveryIdAsync(int postId) => site.WithDbAsync(db => db.EmailDeliveries.Where(d => d.PostId == postId).Select(d => d.Id).SingleAsync());

    /// <summary>Runs the sending job as Hangfire would.</summary>
    public async Task SendAsync(int deliveryId, MembershipFactory? on = null)
    {
        await using var scope = (on ?? site).Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PostDeliverySender>().SendAsync(deliveryId, CancellationToken.None);
    }

    public Task<Dictionary<RecipientStatus, int>> StatusCountsAsync(int deliveryId, MembershipFactory? on = null) => (on ?? site).WithDbAsync(db =>
        db.EmailRecipients.Where(r => r.DeliveryId == deliveryId).GroupBy(r => r.Status).ToDictionaryAsync(g => g.Key, g => g.Count()));
}
