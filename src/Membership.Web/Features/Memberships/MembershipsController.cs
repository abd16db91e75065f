using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Membership.Web.Features.Memberships;

/// <summary><c>/account/memberships</c>: the fan's memberships of every creator, in one place.</summary>
[Authorize]
public sealed class MembershipsController : Controller
{
    [HttpGet("account/memberships")]
    public async Task<IActionResult> Index([FromServices] YourMembershipsQuery query, CancellationToken cancellationToken) =>
        View(await query.HandleAsync(new YourMembershipsQuery.Request(User.Id()), cancellationToken));
}
