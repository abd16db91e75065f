using Membership.Data;
using Membership.Data.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Membership.ScaleTest;

/// <summary>One creator and N followers with post emails on (fan{i}@scale.example); the creator and fan0 can sign in.</summary>
internal static class Seed
{
    public const string Handle = "scale";
    public const string CreatorEmail = "creator@scale.example";
    public const string FanEmail = "fan0@scale.example";
    public const string Password = "scale-test-password";

    public static MembershipDbContext Open(string connectionString) =>
        new((DbContextOptions<MembershipDbContext>)new DbContextOptionsBuilder<MembershipDbContext>().UseMembershipDatabase(DatabaseProvider.PostgreSql, connectionString).Options);

    public static async Task<int> AddCreatorAndFollowersAsync(string connectionString, int members)
    {
        var now = DateTime.UtcNow;
        var hasher = new PasswordHasher<AppUser>();
        int creatorId;
        await using (var db = Open(connectionString))
        {
            var owner = User(CreatorEmail, "Scale Creator", now);
            owner.PasswordHash = hasher.HashPassword(owner, Password);
            var creator = new Creator
            {
                UserId = owner.Id,
                Handle = Handle,
                DisplayName = "Scale Creator",
                Bio = "Writes to ten thousand people at once.",
                Currency = "USD",
                YearlyGoalMinor = Creator.DefaultYearlyGoalMajor * 100L,
                TrueFanThresholdMinor = Creator.DefaultTrueFanThresholdMajor * 100L,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Users.Add(owner);
            db.Creators.Add(creator);
            await db.SaveChangesAsync();
            creatorId = creator.Id;
        }

        const int chunk = 2_000;
        for (var start = 0; start < members; start += chunk)
        {
            await using var db = Open(connectionString);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = start; i < Math.Min(members, start + chunk); i++)
            {
                var user = User(Fan(i), $"Fan {i}", now);
                if (i == 0)
                {
                    user.PasswordHash = hasher.HashPassword(user, Password);
                }

                db.Users.Add(user);
                db.Members.Add(new Member
                {
                    CreatorId = creatorId,
                    UserId = user.Id,
                    DisplayName = user.DisplayName,
                    Status = MemberStatus.Following,
                    PostEmails = true,
                    JoinedAt = now,
                    UpdatedAt = now,
                });
            }

            await db.SaveChangesAsync();
        }

        return creatorId;
    }

    public static string Fan(int i) => $"fan{i}@scale.example";

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
        ConcurrencyStamp = Guid.NewGuid().ToString(),
        CreatedAt = now,
    };
}
