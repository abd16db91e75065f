using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Domain;
using Membership.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Memberships;

/// <summary>One of the fan's memberships, as "Your memberships" lists it.</summary>
public sealed record MembershipRow(Creator Creator, MembershipStanding Standing, bool HasBilling);

/// <summary>Every creator the signed-in fan follows or pays, newest first, each told in words.</summary>
public sealed class YourMembershipsQuery(MembershipDbContext db, IOptions<BillingSettings> billing)
{
    public sealed record Request(string UserId);

    public async Task<IReadOnlyList<MembershipRow>> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        var members = await db.Members.AsNoTracking().Include(m => m.Creator).Include(m => m.Tier)
            .Where(m => m.UserId == request.UserId && m.Status != MemberStatus.Left)
            .OrderByDescending(m => m.UpdatedAt).ToListAsync(cancellationToken);
        var ids = members.Select(m => m.Id).ToList();
        var newest = (await db.Subscriptions.AsNoTracking().Where(s => ids.Contains(s.MemberId)).ToListAsync(cancellationToken))
            .GroupBy(s => s.MemberId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.StartedAt).ThenByDescending(s => s.Id).First());
        return members.Select(m => new MembershipRow(
            m.Creator!,
            MembershipStanding.Of(m, m.Tier, newest.GetValueOrDefault(m.Id), m.Creator!.Currency, billing.Value.PaymentRetryDays),
            newest.ContainsKey(m.Id))).ToList();
    }
}
