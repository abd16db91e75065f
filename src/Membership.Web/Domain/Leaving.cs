using Membership.Data.Entities;

namespace Membership.Web.Domain;

/// <summary>
/// The one rule for a fan who stops being a creator's member, whether they press "Stop following"
/// on the creator's page or the one-click leave link of an import notice: a paying member (active or
/// past due on a subscription) cancels first; anyone else — a free follower, an ended member,
/// someone on complimentary access — leaves at once. The row is kept, marked left (see
/// <see cref="MemberStatus.Left"/>); complimentary access ends with it.
/// </summary>
public static class Leaving
{
    public const string PayingRefusal = "You are a paying member: cancel your membership to stop following.";

    /// <summary>Whether the member may leave now (a member who already left has nothing to leave).</summary>
    public static bool CanLeave(Member member) =>
        member.Status is MemberStatus.Following or MemberStatus.Ended || member is { Status: MemberStatus.Active, IsComplimentary: true };

    /// <summary>Why the member cannot leave now, or null when they can (or already left).</summary>
    public static string? Refusal(Member member) =>
        member.Status == MemberStatus.Left || CanLeave(member) ? null : PayingRefusal;

    /// <summary>Marks the member left; the caller saves. Returns false (and changes nothing) when <see cref="CanLeave"/> says no.</summary>
    public static bool Leave(Member member, DateTime now)
    {
        if (!CanLeave(member))
        {
            return false;
        }

        if (member is { Status: MemberStatus.Active, IsComplimentary: true })
        {
            // The gift ends when they go; following again later does not bring it back.
            member.ComplimentaryUntil = now;
        }

        member.Status = MemberStatus.Left;
        member.UpdatedAt = now;
        return true;
    }
}
