using Membership.Data;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts.Email;

/// <summary>A post's email delivery as its creator sees it.</summary>
public sealed record DeliveryReport(
    DateTime CreatedAt,
    DateTime? CompletedAt,
    int Recipients,
    int Sent,
    int Pending,
    int Failed,
    int Skipped,
    IReadOnlyList<(string Email, string? Reason)> Failures);

public sealed class DeliveryReportQuery(MembershipDbContext db)
{
    public async Task<DeliveryReport?> ForPostAsync(int postId)
    {
        var delivery = await db.EmailDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.PostId == postId);
        if (delivery is null)
        {
            return null;
        }

        var counts = await db.EmailRecipients.Where(r => r.DeliveryId == delivery.Id)
            .GroupBy(r => r.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Status, x => x.Count);
        var failures = await db.EmailRecipients.Where(r => r.DeliveryId == delivery.Id && r.Status == RecipientStatus.Failed)
            .OrderBy(r => r.Id).Take(200).Select(r => new { r.Email, r.LastError }).ToListAsync();
        return new DeliveryReport(
            delivery.CreatedAt,
            delivery.CompletedAt,
            counts.Values.Sum(),
            counts.GetValueOrDefault(RecipientStatus.Sent),
            counts.GetValueOrDefault(RecipientStatus.Pending),
            counts.GetValueOrDefault(RecipientStatus.Failed),
            counts.GetValueOrDefault(RecipientStatus.Skipped),
            failures.Select(f => (f.Email, f.LastError)).ToList());
    }
}
