using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>When complimentary access ends: the rule the creator's "give for free" and billing's daily reconciliation share.</summary>
public static class ComplimentaryAccess
{
    /// <summary>Ends every complimentary membership whose end has come; returns how many. Idempotent.</summary>
    public static Task<int> ExpireAsync(MembershipDbContext db, DateTime now) =>
        db.Members
            .Where(m => m.IsComplimentary && m.Status == MemberStatus.Active && m.ComplimentaryUntil != null && m.ComplimentaryUntil <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MemberStatus.Ended).SetProperty(m => m.UpdatedAt, now));
}
