using Membership.Data;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// Deletes sessions past their expiry (a browser that never came back). They already sign no one
/// in (<see cref="DatabaseTicketStore"/> refuses them); this keeps the table to live sign-ins.
/// </summary>
public sealed class SessionCleanup(MembershipDbContext db, TimeProvider clock, ILogger<SessionCleanup> logger)
{
    public const string RecurringJobId = "security:expired-sessions";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var deleted = await db.UserSessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation("Deleted {Count} expired sessions", deleted);
        return deleted;
    }
}
