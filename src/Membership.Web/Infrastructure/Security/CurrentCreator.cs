using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// The signed-in person's creator page: the one lookup every creator screen starts from (through the
/// request's own database context), and whether there is one at all, asked once per request (the
/// header asks on every page).
/// </summary>
public sealed class CurrentCreator(MembershipDbContext db, IHttpContextAccessor http)
{
    private bool? _hasPage;

    /// <summary>Whether the signed-in person has a creator page; false for visitors.</summary>
    public async Task<bool> HasPageAsync()
    {
        if (_hasPage is { } known)
        {
            return known;
        }

        var context = http.HttpContext;
        var userId = context?.User.IdOrNull();
        if (userId is null || context!.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is not null)
        {
            // An error page asks nothing of the database (it may be the database that failed).
            _hasPage = false;
            return false;
        }

        _hasPage = await db.Creators.AnyAsync(c => c.UserId == userId);
        return _hasPage.Value;
    }

    /// <summary>The signed-in person's creator page, untracked (to read); null for a visitor or someone without a page.</summary>
    public Task<Creator?> FindAsync(CancellationToken cancellationToken = default) => FindAsync(db.Creators.AsNoTracking(), cancellationToken);

    /// <summary>The same, tracked by the request's context, for an action that changes the page and saves it.</summary>
    public Task<Creator?> FindTrackedAsync(CancellationToken cancellationToken = default) => FindAsync(db.Creators, cancellationToken);

    private async Task<Creator?> FindAsync(IQueryable<Creator> creators, CancellationToken cancellationToken)
    {
        var userId = http.HttpContext?.User.IdOrNull();
        var creator = userId is null ? null : await creators.SingleOrDefaultAsync(c => c.UserId == userId, cancellationToken);
        // The header's question is answered too: a creator screen asks nothing more of the database for it.
        _hasPage ??= creator is not null;
        return creator;
    }
}
