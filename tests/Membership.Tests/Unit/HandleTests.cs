using Membership.Web.Features.Creators;

namespace Membership.Tests.Unit;

public sealed class HandleTests
{
    [Theory]
    [InlineData("jane")]
    [InlineData("jane-draws")]
    [InlineData("a1b2c3")]
    [InlineData("abcdefghijklmnopqrstuvwxyz1234")]
    public void Problem_ValidHandle_IsNull(string handle) => Assert.Null(Handles.Problem(handle, new HashSet<string>()));

    [Theory]
    [InlineData("ab")]
    [InlineData("abcdefghijklmnopqrstuvwxyz12345")]
    [InlineData("-jane")]
    [InlineData("jane_draws")]
    [InlineData("jané")]
    [InlineData("healthz")]
    [InlineData("creator")]
    public void Problem_InvalidHandle_IsExplained(string handle) => Assert.NotNull(Handles.Problem(handle, new HashSet<string>()));

    [Fact]
    public void Problem_AWordTheSiteRoutes_IsReserved() =>
        Assert.Contains("is reserved by the site", Handles.Problem("ping", new HashSet<string> { "ping" }));

    [Fact]
    public void Normalize_TrimsAndLowers() => Assert.Equal("jane-draws", Handles.Normalize("  Jane-Draws "));
}
