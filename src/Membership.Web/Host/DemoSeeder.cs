using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Features.Creators;
using Membership.Web.Features.Posts;
using Membership.Web.Features.Tiers;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Host;

/// <summary>
/// <c>seed-demo</c>: a demo creator with two tiers and three posts (public, members, Insider
/// only), and a demo fan who follows them, made
/// through the same handlers the site uses. Running it again changes nothing.
/// </summary>
public sealed class DemoSeeder(
    MembershipDbContext db,
    UserManager<AppUser> users,
    CreatorProfileHandler profiles,
    SaveTierHandler tiers,
    FollowHandler follows,
    SavePostHandler posts,
    TimeProvider clock,
    ILogger<DemoSeeder> logger)
{
    public const string CreatorEmail = "creator@demo.membership.local";
    public const string CreatorPassword = "demo-creator-password";
    public const string FanEmail = "fan@demo.membership.local";
    public const string FanPassword = "demo-fan-password";
    public const string Handle = "demo";

    /// <summary>Makes (or finds) the demo data; returns the demo creator.</summary>
    public async Task<Creator> SeedAsync()
    {
        var creatorUser = await EnsureUserAsync(CreatorEmail, CreatorPassword, "Dana Demo");
        var fanUser = await EnsureUserAsync(FanEmail, FanPassword, "Finn Fan");

        var creator = await db.Creators.SingleOrDefaultAsync(c => c.UserId == creatorUser.Id);
        if (creator is null)
        {
            var form = profiles.Defaults("Dana Demo");
            form.Handle = Handle;
            form.Bio = "Illustrator and storyteller. Members get the sketchbook, process videos and early access to every comic.";
            var (created, errors) = await profiles.SaveAsync(creatorUser.Id, null, form);
            creator = created ?? throw new InvalidOperationException("Demo creator not created: " + string.Join("; ", errors.Items.Select(e => e.Message)));
        }

        await EnsureTierAsync(creator, new TierRequest
        {
            Name = "Supporter",
            Description = "Keep the comics coming and read every members-only post.",
            Benefits = "Members-only posts\nMonthly sketchbook PDF",
            MonthlyPrice = "5.00",
            YearlyPrice = "50.00",
        });
        await EnsureTierAsync(creator, new TierRequest
        {
            Name = "Insider",
            Description = "Everything in Supporter, plus the process behind each page.",
            Benefits = "Everything in Supporter\nProcess videos\nYour name in the credits",
            MonthlyPrice = "15.00",
            YearlyPrice = "150.00",
            MemberCap = 50,
            TrialDays = 7,
        });

        await follows.FollowAsync(creator, fanUser.Id);

        var insider = await db.Tiers.SingleAsync(t => t.CreatorId == creator.Id && t.NormalizedName == "INSIDER");
        await EnsurePostAsync(creator, new PostRequest
        {
            Title = "Welcome to the studio",
            Slug = "welcome",
            Excerpt = "What this page is, and what members get.",
            Body = "Hello, and welcome! This is where I share the comics as I make them.\n\nEveryone can read posts like this one.",
            Access = PostAccess.Public,
            Intent = PostIntent.Publish,
        });
        await EnsurePostAsync(creator, new PostRequest
        {
            Title = "Sketchbook, week 1",
            Slug = "sketchbook-week-1",
            Excerpt = "The first pages of the new sketchbook.",
            Body = "A first look at the new characters.\n\n" + PostRenderer.Cut + "\n\nMembers get the full set of twelve sketches, with notes on each.",
            Access = PostAccess.Members,
            Intent = PostIntent.Publish,
        });
        await EnsurePostAsync(creator, new PostRequest
        {
            Title = "Process: inking page 4",
            Slug = "process-page-4",
            Excerpt = "How a page goes from pencils to inks.",
            Body = "Pencils done, time for inks.\n\n" + PostRenderer.Cut + "\n\nStep by step: brushes, the order of the panels, and what I fix at the end.",
            Access = PostAccess.Tiers,
            TierIds = [insider.Id],
            Intent = PostIntent.Publish,
        });
        logger.LogInformation("Demo data ready at /{Handle}", creator.Handle);
        return creator;
    }

    private async Task EnsureTierAsync(Creator creator, TierRequest request)
    {
        var normalized = request.Name.ToUpperInvariant();
        if (await db.Tiers.AnyAsync(t => t.CreatorId == creator.Id && t.NormalizedName == normalized))
        {
            return;
        }

        var (_, errors) = await tiers.SaveAsync(creator, null, request);
        if (errors.Any)
        {
            throw new InvalidOperationException("Demo tier not created: " + string.Join("; ", errors.Items.Select(e => e.Message)));
        }
    }

    private async Task EnsurePostAsync(Creator creator, PostRequest request)
    {
        if (await db.Posts.AnyAsync(p => p.CreatorId == creator.Id && p.Slug == request.Slug))
        {
            return;
        }

        var (_, errors) = await posts.SaveAsync(creator, null, request);
        if (errors.Any)
        {
            throw new InvalidOperationException("Demo post not created: " + string.Join("; ", errors.Items.Select(e => e.Message)));
        }
    }

    private async Task<AppUser> EnsureUserAsync(string email, string password, string name)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is not null)
        {
            return user;
        }

        user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = name,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Demo user {email} not created: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        return user;
    }
}
