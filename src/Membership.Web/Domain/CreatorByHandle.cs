using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Domain;

/// <summary>
/// The creator at <c>/{handle}</c>, untracked: the first read of every public page (creator page,
/// post, search, RSS). Compiled once, so a request skips EF's query-cache lookup (measured with
/// infra/bench/pages).
/// </summary>
public static class CreatorByHandle
{
    private static readonly Func<MembershipDbContext, string, Task<Creator?>> Query = EF.CompileAsyncQuery(
        (MembershipDbContext db, string handle) => db.Creators.AsNoTracking().SingleOrDefault(c => c.Handle == handle));

    public static Task<Creator?> FindAsync(MembershipDbContext db, string handle) => Query(db, Handles.Normalize(handle));
}
