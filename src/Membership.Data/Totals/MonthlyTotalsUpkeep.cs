using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Membership.Data.Totals;

/// <summary>
/// Keeps <see cref="CreatorMonthTotal"/> and <see cref="CohortMonthTotal"/> in step with a save:
/// history lines, payments and refunds added, followers joining or leaving. Runs inside the
/// save's transaction, after its rows are written, and adds to the totals in place (an atomic
/// "+=" per row), so concurrent saves never overwrite each other's sums.
/// </summary>
/// <remarks>
/// A new history line changes its member's bridge movement for its month and may place them in
/// a cohort, which depends on the member's other lines. So the member's whole history is read
/// (a handful of rows, by index) and its contribution is added with the new lines and taken away
/// without them. Writes that bypass the change tracker (<c>ExecuteUpdate</c>) of these rows must
/// not exist; the account deletion that marks members left goes through tracked entities.
/// </remarks>
internal sealed class MonthlyTotalsUpkeep
{
    // Entries, not entities: until the save's changes are accepted, generated keys (and the
    // foreign keys that point at them) are only in the entries' current values.
    private readonly List<EntityEntry> lines = [];
    private readonly List<EntityEntry> payments = [];
    private readonly List<EntityEntry> refunds = [];
    private readonly List<(EntityEntry Entry, bool Deleted, int? OldCreatorId, int? OldMonth)> members = [];

    public static MonthlyTotalsUpkeep? Collect(ChangeTracker tracker)
    {
        var upkeep = new MonthlyTotalsUpkeep();
        foreach (var entry in tracker.Entries())
        {
            switch (entry.Entity)
            {
                case MembershipChange when entry.State == EntityState.Added:
                    upkeep.lines.Add(entry);
                    break;
                case Payment when entry.State == EntityState.Added:
                    upkeep.payments.Add(entry);
                    break;
                case Refund when entry.State == EntityState.Added:
                    upkeep.refunds.Add(entry);
                    break;
                case Member when entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                    int? oldCreatorId = null, oldMonth = null;
                    if (entry.State != EntityState.Added
                        && entry.Property(nameof(Member.Status)).OriginalValue is MemberStatus status && status != MemberStatus.Left)
                    {
                        oldCreatorId = (int)entry.Property(nameof(Member.CreatorId)).OriginalValue!;
                        oldMonth = MonthKey.Of((DateTime)entry.Property(nameof(Member.JoinedAt)).OriginalValue!);
                    }

                    upkeep.members.Add((entry, entry.State == EntityState.Deleted, oldCreatorId, oldMonth));
                    break;
            }
        }

        return upkeep.lines.Count + upkeep.payments.Count + upkeep.refunds.Count + upkeep.members.Count == 0 ? null : upkeep;
    }

    /// <summary>Adds what the saved rows change; call after they are written, in the same transaction.</summary>
    public async Task ApplyAsync(MembershipDbContext db, CancellationToken cancellationToken)
    {
        var sums = new MonthlyContributions();
        foreach (var (member, deleted, oldCreatorId, oldMonth) in members)
        {
            if (oldCreatorId is { } was)
            {
                sums.Month(was, oldMonth!.Value).FollowersJoined--;
            }

            if (!deleted && Value<MemberStatus>(member, nameof(Member.Status)) != MemberStatus.Left)
            {
                sums.Month(Value<int>(member, nameof(Member.CreatorId)), MonthKey.Of(Value<DateTime>(member, nameof(Member.JoinedAt)))).FollowersJoined++;
            }
        }

        foreach (var payment in payments)
        {
            var total = sums.Month(Value<int>(payment, nameof(Payment.CreatorId)), MonthKey.Of(Value<DateTime>(payment, nameof(Payment.PaidAt))));
            total.GrossMinor += Value<long>(payment, nameof(Payment.AmountMinor));
            total.PlatformFeesMinor += Value<long>(payment, nameof(Payment.PlatformFeeMinor));
        }

        foreach (var refund in refunds)
        {
            sums.Month(Value<int>(refund, nameof(Refund.CreatorId)), MonthKey.Of(Value<DateTime>(refund, nameof(Refund.RefundedAt))))
                .RefundsMinor += Value<long>(refund, nameof(Refund.AmountMinor));
        }

        if (lines.Count > 0)
        {
            await AddHistoryAsync(db, sums, cancellationToken);
        }

        await MonthlyTotalsStore.AddAsync(db, sums, cancellationToken);
    }

    private async Task AddHistoryAsync(MembershipDbContext db, MonthlyContributions sums, CancellationToken cancellationToken)
    {
        var added = lines.Select(l => Value<long>(l, nameof(MembershipChange.Id))).ToHashSet();
        var memberIds = lines.Select(l => Value<int>(l, nameof(MembershipChange.MemberId))).Distinct().ToList();
        var creatorIds = lines.Select(l => Value<int>(l, nameof(MembershipChange.CreatorId))).Distinct().ToList();
        var thresholds = await db.Creators.AsNoTracking().Where(c => creatorIds.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, c => c.TrueFanThresholdMinor, cancellationToken);
        var histories = await db.MembershipChanges.AsNoTracking()
            .Where(c => memberIds.Contains(c.MemberId))
            .Select(c => new LineFacts(c.Id, c.CreatorId, c.MemberId, c.Kind, c.MrrBeforeMinor, c.MrrAfterMinor,
                c.CommitmentBeforeMinor, c.CommitmentAfterMinor, c.OccurredAt))
            .ToListAsync(cancellationToken);
        foreach (var history in histories.GroupBy(l => l.MemberId))
        {
            var threshold = thresholds[history.First().CreatorId];
            sums.AddMemberHistory(history, threshold, +1);
            sums.AddMemberHistory(history.Where(l => !added.Contains(l.Id)), threshold, -1);
        }
    }

    private static T Value<T>(EntityEntry entry, string property) => (T)entry.Property(property).CurrentValue!;
}
