using Membership.Data.Entities;
using Membership.Web.Features.Posts;

namespace Membership.Tests.Posts;

/// <summary>The rule's two forms (in memory and as a query filter) must agree on every case.</summary>
public sealed class EntitlementTests
{
    private const int TierA = 1;
    private const int TierB = 2;

    public static TheoryData<PostAccess, PostStatus, string> Cases()
    {
        var data = new TheoryData<PostAccess, PostStatus, string>();
        foreach (var access in Enum.GetValues<PostAccess>())
        {
            foreach (var status in Enum.GetValues<PostStatus>())
            {
                foreach (var viewer in Viewers.Keys)
                {
                    data.Add(access, status, viewer);
                }
            }
        }

        return data;
    }

    private static readonly Dictionary<string, Viewer> Viewers = new()
    {
        ["anonymous"] = Viewer.Anonymous,
        ["follower"] = new("u", false, false, MemberStatus.Following, null),
        ["active-a"] = new("u", false, false, MemberStatus.Active, TierA),
        ["active-b"] = new("u", false, false, MemberStatus.Active, TierB),
        ["pastdue-a"] = new("u", false, false, MemberStatus.PastDue, TierA),
        ["ended-a"] = new("u", false, false, MemberStatus.Ended, TierA),
        ["signed-in-stranger"] = new("u", false, false, null, null),
        ["left"] = new("u", false, false, MemberStatus.Left, TierA),
        ["owner"] = new("u", true, false, null, null),
        ["admin"] = new("u", false, true, null, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CanRead_AgreesWithQueryFilter(PostAccess access, PostStatus status, string viewerName)
    {
        var viewer = Viewers[viewerName];
        var post = new Post { Access = access, Status = status, Tiers = access == PostAccess.Tiers ? [new PostTier { TierId = TierA }] : [] };

        Assert.Equal(Entitlement.CanRead(viewer, post), Entitlement.Readable(viewer).Compile()(post));
        if (post.Status == PostStatus.Published && viewer.Status is { } memberStatus && !viewer.SeesEverything)
        {
            // The members' side (who gets the email: members who may read it) agrees too.
            var member = new Member { Status = memberStatus, TierId = viewer.TierId };
            Assert.Equal(viewer.IsMember && Entitlement.CanRead(viewer, post), Entitlement.MembersWhoCanRead(post).Compile()(member));
        }
    }

    [Theory]
    [InlineData(PostAccess.Public, "anonymous", true)]
    [InlineData(PostAccess.Members, "anonymous", false)]
    [InlineData(PostAccess.Members, "follower", true)]
    [InlineData(PostAccess.Members, "ended-a", true)]
    [InlineData(PostAccess.Members, "left", false)]
    [InlineData(PostAccess.Paid, "follower", false)]
    [InlineData(PostAccess.Paid, "active-b", true)]
    [InlineData(PostAccess.Paid, "pastdue-a", true)]
    [InlineData(PostAccess.Paid, "ended-a", false)]
    [InlineData(PostAccess.Tiers, "active-a", true)]
    [InlineData(PostAccess.Tiers, "active-b", false)]
    [InlineData(PostAccess.Tiers, "ended-a", false)]
    [InlineData(PostAccess.Tiers, "owner", true)]
    [InlineData(PostAccess.Tiers, "admin", true)]
    public void CanRead_PublishedPost_FollowsTheAccessLevel(PostAccess access, string viewerName, bool expected)
    {
        var post = new Post { Access = access, Status = PostStatus.Published, Tiers = [new PostTier { TierId = TierA }] };

        Assert.Equal(expected, Entitlement.CanRead(Viewers[viewerName], post));
    }

    [Theory]
    [InlineData("Hello World!", "hello-world")]
    [InlineData("Épisode 3: the End", "episode-3-the-end")]
    [InlineData("   ", "post")]
    [InlineData("--a--b--", "a-b")]
    public void Slugs_FromTitle(string title, string expected) => Assert.Equal(expected, Slugs.FromTitle(title));

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "image/jpeg")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "application/pdf")]
    [InlineData(new byte[] { 0x49, 0x44, 0x33, 0x04 }, "audio/mpeg")]
    [InlineData(new byte[] { 0x4F, 0x67, 0x67, 0x53 }, "audio/ogg")]
    [InlineData(new byte[] { 0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x4D, 0x34, 0x41, 0x20 }, "audio/mp4")]
    [InlineData(new byte[] { 0x3C, 0x73, 0x76, 0x67 }, null)]
    [InlineData(new byte[] { 0x3C, 0x68, 0x74, 0x6D, 0x6C }, null)]
    public void FileTypes_Detect_ByContentNotName(byte[] header, string? expected) =>
        Assert.Equal(expected, FileTypes.Detect(header)?.ContentType);
}
