using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Data;

/// <summary>
/// Keeps <see cref="Member.DisplayName"/> equal to the account's name: new members get it before
/// they are saved, and a renamed account renames its memberships in the same transaction.
/// </summary>
internal sealed class MemberNames
{
    private readonly List<(string UserId, string Name)> renamed = [];

    public bool HasRenames => renamed.Count > 0;

    public static async Task<MemberNames> PrepareAsync(MembershipDbContext db, CancellationToken cancellationToken)
    {
        var names = new MemberNames();
        var unnamed = new List<Member>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.Entity is Member member && entry.State == EntityState.Added)
            {
                if (member.User is { } user)
                {
                    member.DisplayName = user.DisplayName;
                }
                else
                {
                    unnamed.Add(member);
                }
            }
            else if (entry.Entity is AppUser account && entry.State == EntityState.Modified
                && !Equals(entry.Property(nameof(AppUser.DisplayName)).OriginalValue, account.DisplayName))
            {
                // Compared, not IsModified: Identity's UpdateAsync marks every property modified.
                names.renamed.Add((account.Id, account.DisplayName));
            }
        }

        if (unnamed.Count > 0)
        {
            var userIds = unnamed.Select(m => m.UserId).Distinct().ToList();
            var known = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
            foreach (var member in unnamed)
            {
                member.DisplayName = known.GetValueOrDefault(member.UserId, member.DisplayName);
            }
        }

        return names;
    }

    public async Task ApplyAsync(MembershipDbContext db, CancellationToken cancellationToken)
    {
        foreach (var (userId, name) in renamed)
        {
            await db.Members.Where(m => m.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(m => m.DisplayName, name), cancellationToken);
        }
    }
}
