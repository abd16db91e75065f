using Membership.Data.Entities;
using Membership.Web.Features.Billing;

namespace Membership.Tests.Unit;

/// <summary>The member's status and tier from their subscriptions' Stripe statuses, whatever the member row said before.</summary>
public sealed class MemberAccessTests
{
    private static readonly DateTime Older = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Newer = Older.AddMonths(2);

    // current status, current tier, complimentary, subscriptions ("status:tier", older first) → status, tier
    [Theory]
    [InlineData(MemberStatus.Following, null, false, "active:1", MemberStatus.Active, 1)]
    [InlineData(MemberStatus.Following, null, false, "trialing:1", MemberStatus.Active, 1)]
    [InlineData(MemberStatus.Active, 1, false, "past_due:1", MemberStatus.PastDue, 1)]
    [InlineData(MemberStatus.Active, 1, false, "canceled:1", MemberStatus.Ended, 1)]
    [InlineData(MemberStatus.PastDue, 1, false, "unpaid:1", MemberStatus.Ended, 1)]
    // First seen already over (its events came newest first): ended on its tier, not "following, no tier".
    [InlineData(MemberStatus.Following, null, false, "canceled:2", MemberStatus.Ended, 2)]
    [InlineData(MemberStatus.Ended, 1, false, "canceled:1", MemberStatus.Ended, 1)]
    // The best subscription wins: a live one over an older ended one, access over grace.
    [InlineData(MemberStatus.Ended, 1, false, "canceled:1,active:2", MemberStatus.Active, 2)]
    [InlineData(MemberStatus.Active, 2, false, "active:2,canceled:1", MemberStatus.Active, 2)]
    [InlineData(MemberStatus.PastDue, 1, false, "past_due:1,active:2", MemberStatus.Active, 2)]
    [InlineData(MemberStatus.Active, 1, false, "active:1,past_due:2", MemberStatus.Active, 1)]
    // Never paid: an abandoned or expired first payment changes nothing.
    [InlineData(MemberStatus.Following, null, false, "incomplete:1", MemberStatus.Following, null)]
    [InlineData(MemberStatus.Following, null, false, "incomplete_expired:1", MemberStatus.Following, null)]
    // A complimentary member keeps the creator's grant when a subscription ends; one who left stays gone.
    [InlineData(MemberStatus.Active, 3, true, "canceled:1", MemberStatus.Active, 3)]
    [InlineData(MemberStatus.Left, 1, false, "canceled:1", MemberStatus.Left, 1)]
    // A paying subscription outranks being complimentary or having left.
    [InlineData(MemberStatus.Active, 3, true, "active:1", MemberStatus.Active, 1)]
    [InlineData(MemberStatus.Left, null, false, "active:1", MemberStatus.Active, 1)]
    public void Decide_Subscriptions_StatusAndTier(MemberStatus current, int? currentTier, bool complimentary, string subscriptions, MemberStatus status, int? tier)
    {
        var held = subscriptions.Split(',').Select((s, i) =>
        {
            var parts = s.Split(':');
            return new MemberAccess.Held(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), i == 0 ? Older : Newer.AddDays(i));
        });

        Assert.Equal((status, tier), MemberAccess.Decide(current, currentTier, complimentary, held));
    }
}
