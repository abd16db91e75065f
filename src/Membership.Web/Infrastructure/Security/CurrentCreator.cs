using Membership.Data;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Security;

/// <summary>The signed-in person's creator page, looked up once per request (the header asks on every page).</summary>
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
}
