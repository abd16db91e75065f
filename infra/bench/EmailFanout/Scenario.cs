using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Posts;
using Membership.Web.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Bench.EmailFanout;

/// <summary>The data the benchmark sends: one creator, N members with confirmed emails, and ~4 KB posts.</summary>
internal static class Scenario
{
    public const string Handle = "bench";

    /// <summary>The creator and <paramref name="members"/> followers (ids are GUID strings, fan{i}@bench.example), inserted in chunks.</summary>
    public static async Task<int> SeedAsync(IServiceProvider services, int members, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        int creatorId;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            var owner = User("creator@bench.example", "Bench Creator", now);
            var creator = new Creator
            {
                UserId = owner.Id,
                Handle = Handle,
                DisplayName = "Bench Creator",
                Bio = "Writes the benchmark's posts.",
                Currency = "USD",
                YearlyGoalMinor = Creator.DefaultYearlyGoalMajor * 100L,
                TrueFanThresholdMinor = Creator.DefaultTrueFanThresholdMajor * 100L,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Users.Add(owner);
            db.Creators.Add(creator);
            await db.SaveChangesAsync(cancellationToken);
            creatorId = creator.Id;
        }

        const int chunk = 2_000;
        for (var start = 0; start < members; start += chunk)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = start; i < Math.Min(members, start + chunk); i++)
            {
                var user = User($"fan{i}@bench.example", $"Fan {i}", now);
                db.Users.Add(user);
                db.Members.Add(new Member
                {
                    CreatorId = creatorId,
                    UserId = user.Id,
                    Status = MemberStatus.Following,
                    PostEmails = true,
                    JoinedAt = now,
                    UpdatedAt = now,
                });
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return creatorId;
    }

    /// <summary>Publishes a members-only post (teaser, cut, body: ~4 KB of Markdown) through the editor's handler, without emailing it.</summary>
    public static async Task<Post> PublishAsync(IServiceProvider services, int run)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var creator = await db.Creators.SingleAsync(c => c.Handle == Handle);
        var (post, errors) = await scope.ServiceProvider.GetRequiredService<SavePostHandler>().SaveAsync(creator, null, new PostRequest
        {
            Title = $"Field notes from the workshop, part {run}",
            Slug = $"field-notes-{run}",
            Excerpt = "What changed in the workshop this month, and what comes next.",
            Body = Markdown(run),
            Access = PostAccess.Members,
            Intent = PostIntent.Publish,
            EmailOnPublish = false,
        });
        return post ?? throw new InvalidOperationException("Publishing the post failed: " + string.Join("; ", errors.Items.Select(e => e.Message)));
    }

    private static AppUser User(string email, string name, DateTime now) => new()
    {
        Id = Guid.NewGuid().ToString(),
        UserName = email,
        NormalizedUserName = email.ToUpperInvariant(),
        Email = email,
        NormalizedEmail = email.ToUpperInvariant(),
        EmailConfirmed = true,
        DisplayName = name,
        SecurityStamp = Guid.NewGuid().ToString("N"),
        CreatedAt = now,
    };

    /// <summary>About 4 KB: headings, paragraphs, a list, links and emphasis, with the paywall cut after the teaser.</summary>
    private static string Markdown(int run)
    {
        var text = new StringBuilder();
        text.AppendLine($"This is part {run} of the workshop notes. A short public teaser: the new bench is built, the old one is firewood, and the tools finally have a home.");
        text.AppendLine();
        text.AppendLine(PostRendererCut);
        text.AppendLine();
        for (var section = 1; section <= 4; section++)
        {
            text.AppendLine($"## Section {section}: what happened");
            text.AppendLine();
            text.AppendLine("The week started with a **long list** and ended with a shorter one. Most of the time went into the joinery: " +
                "cutting, test fitting, paring, and cutting again. The [drawings](https://example.com/drawings) helped, but the wood had opinions of its own, " +
                "and *the wood usually wins*. Measuring twice remains cheaper than buying another board.");
            text.AppendLine();
            text.AppendLine("- sharpened every chisel, then the plane irons");
            text.AppendLine("- glued up the top in two halves so it fits through the door");
            text.AppendLine("- finished the drawer runners and waxed them");
            text.AppendLine();
            text.AppendLine("Next time: the vise hardware, a proper finish schedule, and some photos of the whole thing in daylight. " +
                "Thank you for being a member: it is what pays for the timber, and for the time to write these notes properly.");
            text.AppendLine();
        }

        return text.ToString();
    }

    private const string PostRendererCut = PostRenderer.Cut;
}
