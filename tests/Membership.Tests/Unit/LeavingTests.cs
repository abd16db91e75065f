using Membership.Data.Entities;
using Membership.Web.Domain;

namespace Membership.Tests.Unit;

/// <summary>The one leaving rule, shared by "Stop following" and an import notice's leave link.</summary>
public sealed class LeavingTests
{
    [Theory]
    [InlineData(MemberStatus.Following, false, true, MemberStatus.Left)]
    [InlineData(MemberStatus.Ended, false, true, MemberStatus.Left)]
    [InlineData(MemberStatus.Active, true, true, MemberStatus.Left)]
    [InlineData(MemberStatus.Ended, true, true, MemberStatus.Left)]
    [InlineData(MemberStatus.Active, false, false, MemberStatus.Active)]
    [InlineData(MemberStatus.PastDue, false, false, MemberStatus.PastDue)]
    [InlineData(MemberStatus.Left, false, false, MemberStatus.Left)]
    public void Leave_ByStatus_LeavesOrRefuses(MemberStatus status, bool complimentary, bool leaves, MemberStatus after)
    {
        var now = new DateTime(2026, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        var member = new Member { Status = status, IsComplimentary = complimentary, TierId = complimentary ? 3 : null, UpdatedAt = now.AddDays(-9) };

        Assert.Equal(leaves, Leaving.Leave(member, now));

        Assert.Equal(after, member.Status);
        Assert.Equal(leaves ? now : now.AddDays(-9), member.UpdatedAt);
        Assert.Equal(status is MemberStatus.Active or MemberStatus.PastDue && !complimentary ? Leaving.PayingRefusal : null,
            Leaving.Refusal(new Member { Status = status, IsComplimentary = complimentary }));
        // Complimentary access that was live ends with the leaving; the tier stays as history.
        Assert.Equal(status == MemberStatus.Active && complimentary ? now : null, member.ComplimentaryUntil);
    }
}
