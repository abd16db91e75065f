using System.Globalization;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Creators;
using Membership.Web.Features.Posts;
using Membership.Web.Features.Tiers;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Bench.PageLoad;

/// <summary>What the benchmark seeded: the addresses it loads and the words that prove who saw what.</summary>
internal sealed record Seeded(
    string Handle,
    string DisplayName,
    string PublicSlug,
    string PaywalledSlug,
    string PublicMarker,
    string TeaserMarker,
    string PaywalledMarker,
    string MemberEmail,
    string MemberPassword,
    int Posts,
    int Members,
    int PaywalledMarkdownBytes);

/// <summary>
/// Seeds one creator the way the site writes one (its own handlers: profile, tiers, posts
/// rendered from Markdown): three tiers, 40 posts of a few KB (public, members and tier-only),
/// 2,000 members across the tiers and free followers, and one signed-in-able member of the tier
/// that unlocks the measured paywalled post. The two measured posts are the newest, so the
/// creator page shows them. Each part carries a unique marker, so a leak shows as a marker.
/// </summary>
internal static class Seed
{
    private const int FillerPosts = 38;
    private const int FillerMembers = 2_000;

    public static async Task<Seeded> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<MembershipDbContext>();
        var users = provider.GetRequiredService<UserManager<AppUser>>();
        var now = DateTime.UtcNow;

        var owner = await UserAsync(users, "creator@bench.membership.local", "bench-creator-password", "Bench Creator", now);
        var (creator, profileErrors) = await provider.GetRequiredService<CreatorProfileHandler>().SaveAsync(owner.Id, null, new CreatorProfileRequest
        {
            Handle = "bench",
            DisplayName = "The Bench Workshop",
            Bio = "Long-form notes on building things, with a members' edition every week.",
            Currency = "USD",
            YearlyGoal = "100000",
            TrueFanThreshold = "100",
        });
        Check(profileErrors, "the creator page");

        var tierHandler = provider.GetRequiredService<SaveTierHandler>();
        var tiers = new List<Tier>();
        foreach (var (name, price, cap) in new[] { ("Supporter", "5.00", (int?)null), ("Insider", "12.00", 5_000), ("Patron", "30.00", 100) })
        {
            var (tier, tierErrors) = await tierHandler.SaveAsync(creator!, null, new TierRequest
            {
                Name = name,
                Description = $"The {name} tier: everything below it, and more.",
                Benefits = "Weekly members' edition\nThe archive\nA say in what comes next",
                MonthlyPrice = price,
                YearlyPrice = null,
                MemberCap = cap,
            });
            Check(tierErrors, $"the {name} tier");
            tiers.Add(tier!);
        }

        var insider = tiers[1];
        var posts = provider.GetRequiredService<SavePostHandler>();
        for (var i = 0; i < FillerPosts; i++)
        {
            var access = (i % 3) switch { 0 => PostAccess.Public, 1 => PostAccess.Members, _ => PostAccess.Tiers };
            await PublishAsync(posts, creator!, $"Workshop note {i + 1}", $"workshop-note-{i + 1}", access,
                Markdown(i, $"filler-{run}-{i}", cut: access != PostAccess.Public, $"filler-members-{run}-{i}"), access == PostAccess.Tiers ? [insider.Id] : []);
        }

        var publicMarker = $"PUBLIC-BODY-{run}";
        var teaserMarker = $"TEASER-{run}";
        var paywalledMarker = $"PAYWALLED-BODY-{run}";
        await PublishAsync(posts, creator!, "How the workshop runs", "how-the-workshop-runs", PostAccess.Public, Markdown(100, "", cut: false, publicMarker), []);
        var paywalledMarkdown = Markdown(200, teaserMarker, cut: true, paywalledMarker);
        await PublishAsync(posts, creator!, "The members' edition: building the bench", "members-edition-bench", PostAccess.Tiers, paywalledMarkdown, [insider.Id]);

        // The members: rows as billing writes them (paid on a tier, or free followers), enough for
        // the page's counts to read real rows.
        for (var i = 0; i < FillerMembers; i++)
        {
            var email = $"fan{i}-{run}@bench.membership.local";
            var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = $"Fan {i}", CreatedAt = now };
            db.Users.Add(user);
            var tier = (i % 4) switch { 0 => null, 1 => tiers[0], 2 => tiers[1], _ => tiers[2] };
            if (tier == tiers[2] && i > 300)
            {
                tier = tiers[0];
            }

            db.Members.Add(new Member
            {
                CreatorId = creator!.Id,
                UserId = user.Id,
                TierId = tier?.Id,
                Status = tier is null ? MemberStatus.Following : MemberStatus.Active,
                JoinedAt = now.AddDays(-i % 700),
                UpdatedAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);

        const string memberPassword = "bench-member-password";
        var member = await UserAsync(users, $"member-{run}@bench.membership.local", memberPassword, "Bench Member", now);
        db.Members.Add(new Member
        {
            CreatorId = creator!.Id,
            UserId = member.Id,
            TierId = insider.Id,
            Status = MemberStatus.Active,
            JoinedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);

        var postCount = await db.Posts.CountAsync(p => p.CreatorId == creator.Id, cancellationToken);
        var memberCount = await db.Members.CountAsync(m => m.CreatorId == creator.Id, cancellationToken);
        return new Seeded(creator.Handle, creator.DisplayName, "how-the-workshop-runs", "members-edition-bench", publicMarker, teaserMarker, paywalledMarker,
            member.Email!, memberPassword, postCount, memberCount, Encoding.UTF8.GetByteCount(paywalledMarkdown));
    }

    private static async Task<AppUser> UserAsync(UserManager<AppUser> users, string email, string password, string name, DateTime now)
    {
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = now };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new BenchFailure($"could not create {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }

        return user;
    }

    private static async Task PublishAsync(SavePostHandler handler, Creator creator, string title, string slug, PostAccess access, string markdown, List<int> tierIds)
    {
        var (_, errors) = await handler.SaveAsync(creator, null, new PostRequest
        {
            Title = title,
            Slug = slug,
            Excerpt = "",
            Body = markdown,
            Access = access,
            TierIds = tierIds,
            Intent = PostIntent.Publish,
        });
        Check(errors, $"the post {slug}");
    }

    private static void Check(Membership.Web.Infrastructure.Errors errors, string what)
    {
        if (errors.Any)
        {
            throw new BenchFailure($"seeding {what} failed: {string.Join("; ", errors.Items.Select(e => e.Message))}");
        }
    }

    /// <summary>
    /// About 4 KB of Markdown: headings, paragraphs, a list, a quote, a link and a code block; the
    /// teaser (with <paramref name="teaserMarker"/>) then, when <paramref name="cut"/>, the paywall
    /// cut and the members' part, which ends with <paramref name="membersMarker"/>.
    /// </summary>
    private static string Markdown(int seed, string teaserMarker, bool cut, string membersMarker)
    {
        string[] words =
        [
            "bench", "joint", "timber", "plane", "chisel", "grain", "measure", "square", "glue", "clamp", "finish", "oil",
            "saw", "kerf", "mortise", "tenon", "dovetail", "shoulder", "cheek", "waste", "layout", "marking", "gauge", "edge",
        ];
        var random = new Random(seed);
        string Sentence()
        {
            var count = random.Next(9, 18);
            var text = string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.Next(words.Length)]));
            return char.ToUpperInvariant(text[0]) + text[1..] + ".";
        }

        string Paragraph() => string.Join(' ', Enumerable.Range(0, random.Next(4, 7)).Select(_ => Sentence()));

        var markdown = new StringBuilder();
        markdown.AppendLine((Paragraph() + " " + teaserMarker).TrimEnd()).AppendLine();
        markdown.AppendLine(Paragraph()).AppendLine();
        if (cut)
        {
            markdown.AppendLine("<!--members-only-->").AppendLine();
        }

        markdown.AppendLine("## What we did this week").AppendLine();
        markdown.AppendLine(Paragraph()).AppendLine();
        for (var i = 0; i < 5; i++)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"- **Step {i + 1}:** {Sentence()}");
        }

        markdown.AppendLine().AppendLine("> " + Sentence()).AppendLine();
        markdown.AppendLine(Paragraph()).AppendLine();
        markdown.AppendLine("```").AppendLine("cut list: 4 x 900 mm legs, 2 x 1,800 mm rails, 1 top").AppendLine("```").AppendLine();
        markdown.AppendLine("### Next time").AppendLine();
        markdown.AppendLine(Paragraph()).AppendLine();
        markdown.AppendLine(Paragraph()).AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"More in [the archive](https://example.com/archive). {Paragraph()} {membersMarker}");
        return markdown.ToString();
    }
}
