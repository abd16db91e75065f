using Microsoft.Extensions.DependencyInjection;
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

/// <summary>Sets a fan's membership of a creator directly, as billing will once it exists.</summary>
public static class Memberships
{
    public static Task SetAsync(this MembershipFactory site, string email, string handle, MemberStatus status, int? tierId) => site.WithDbAsync(async db =>
    {
        var user = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users, u => u.Email == email);
        var creator = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Creators, c => c.Handle == handle);
        var member = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleOrDefaultAsync(db.Members, m => m.UserId == user.Id && m.CreatorId == creator.Id);
        if (member is null)
        {
            member = new Member { UserId = user.Id, CreatorId = creator.Id, JoinedAt = DateTime.UtcNow };
            db.Members.Add(member);
        }

        member.Status = status;
        member.TierId = tierId;
        member.UpdatedAt = DateTime.UtcNow;
        await db.SaveChangesAsync();
    });
}

/// <summary>Accounts made straight through Identity, for tests whose mail does not go to the pickup folder.</summary>
public static class Accounts
{
    public static async Task CreateConfirmedAsync(this MembershipFactory site, string email, string password = Passwords.Good, string name = "Test Person")
    {
        await using var scope = site.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
        var result = await users.CreateAsync(new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = DateTime.UtcNow }, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}

/// <summary>What the site queued to send: the outbox is written before the request answers, unlike the pickup folder.</summary>
public static class Outbox
{
    public static Task<int> EmailsToAsync(this MembershipFactory site, string address) =>
        site.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.OutboxEmails, e => e.To == address));
}
