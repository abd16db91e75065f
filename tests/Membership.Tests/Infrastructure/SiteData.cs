using Membership.Data.Entities;

namespace Membership.Tests.Infrastructure;

/// <summary>
/// Rows the site cannot make yet through its own pages (paid memberships arrive with billing),
/// written straight to the database for tests that need them.
/// </summary>
public static class SiteData
{
    public static Task AddMembersAsync(this MembershipFactory site, Tier tier, int count, MemberStatus status) => site.WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var email = Unique.Email("member");
            var user = new AppUser { UserName = email, Email = email, DisplayName = "Member", CreatedAt = now };
            db.Users.Add(user);
            db.Members.Add(new Member
            {
                CreatorId = tier.CreatorId,
                UserId = user.Id,
                TierId = tier.Id,
                Status = status,
                JoinedAt = now,
                UpdatedAt = now,
            });
        }

        await db.SaveChangesAsync();
    });
}
