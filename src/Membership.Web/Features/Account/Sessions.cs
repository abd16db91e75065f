using Membership.Data;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Account;

/// <summary>One row of "Your sessions" in settings.</summary>
public sealed record SessionRow(Guid Id, string Device, DateTime CreatedAt, DateTime LastSeenAt, bool IsCurrent);

/// <summary>
/// The signed-in browsers of one account (rows kept by <c>DatabaseTicketStore</c>): listed in
/// settings, ended one at a time, all but the current one, or all. Every query is scoped to the
/// account, so an id belonging to someone else ends nothing.
/// </summary>
public sealed class AccountSessions(MembershipDbContext db, TimeProvider clock)
{
    public async Task<IReadOnlyList<SessionRow>> ListAsync(string userId, Guid? current, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.ExpiresAt > now)
            .Select(s => new { s.Id, s.Device, s.CreatedAt, s.LastSeenAt })
            .ToListAsync(cancellationToken);
        return rows
            .Select(s => new SessionRow(s.Id, s.Device, s.CreatedAt, s.LastSeenAt, s.Id == current))
            .OrderByDescending(s => s.IsCurrent)
            .ThenByDescending(s => s.LastSeenAt)
            .ToList();
    }

    /// <summary>Ends one of the account's sessions; false when it has none with that id.</summary>
    public async Task<bool> EndAsync(string userId, Guid sessionId, CancellationToken cancellationToken = default) =>
        await db.UserSessions.Where(s => s.UserId == userId && s.Id == sessionId).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>Ends every session of the account but <paramref name="keep"/> (all of them when null).</summary>
    public async Task<int> EndOthersAsync(string userId, Guid? keep, CancellationToken cancellationToken = default) =>
        await db.UserSessions.Where(s => s.UserId == userId && s.Id != keep).ExecuteDeleteAsync(cancellationToken);
}
