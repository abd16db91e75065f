using Membership.Data;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Home;

/// <summary>The newest creator pages, for the front page.</summary>
public sealed class NewestCreatorsQuery(MembershipDbContext db)
{
    public Task<List<CreatorLink>> HandleAsync(int count, CancellationToken cancellationToken) =>
        db.Creators.AsNoTracking()
            .OrderByDescending(c => c.CreatedAt)
            .Take(count)
            .Select(c => new CreatorLink(c.Handle, c.DisplayName, c.Bio))
            .ToListAsync(cancellationToken);
}

/// <summary>Home's services.</summary>
public static class HomeSetup
{
    public static IServiceCollection AddHome(this IServiceCollection services) => services.AddScoped<NewestCreatorsQuery>();
}
