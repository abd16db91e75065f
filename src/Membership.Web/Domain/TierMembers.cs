using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>How many members hold a place in a tier: those active or past due (still in grace).</summary>
public static class TierMembers
{
    public static async Task<Dictionary<int, int>> CountByTierAsync(MembershipDbContext db, int creatorId) =>
        await db.Members
            .Where(m => m.CreatorId == creatorId && m.TierId != null && (m.Status == MemberStatus.Active || m.Status == MemberStatus.PastDue))
            .GroupBy(m => m.TierId!.Value)
            .Select(g => new { TierId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.TierId, x => x.Count);

    public static Task<int> CountAsync(MembershipDbContext db, int tierId) =>
        db.Members.CountAsync(m => m.TierId == tierId && (m.Status == MemberStatus.Active || m.Status == MemberStatus.PastDue));

    /// <summary>Whether anyone was ever a member of the tier: such a tier can only be archived.</summary>
    public static Task<bool> EverHadMembersAsync(MembershipDbContext db, int tierId) =>
        db.Members.AnyAsync(m => m.TierId == tierId);
}
