using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Security;

public sealed class DataProtectionKeysTests
{
    [Fact]
    public async Task EnsureActiveKey_NoKeyInDatabase_MakesOneKeyThatEveryNodeUses()
    {
        // A node makes a key at start when the database has none (the race of nodes starting
        // together); the migrate command makes it first. Here: a database whose keys are gone.
        await using var first = new MembershipFactory();
        Assert.Equal(1, await first.WithDbAsync(db => db.DataProtectionKeys.CountAsync()));
        await first.WithDbAsync(db => db.DataProtectionKeys.ExecuteDeleteAsync());

        Assert.True(DataProtectionKeys.EnsureActiveKey(first.Services));
        Assert.False(DataProtectionKeys.EnsureActiveKey(first.Services));
        Assert.Equal(1, await first.WithDbAsync(db => db.DataProtectionKeys.CountAsync()));

        // A second node on the same database protects with that key, and the first reads it.
        await using var second = new MembershipFactory(first.Database);
        Assert.False(DataProtectionKeys.EnsureActiveKey(second.Services));
        var payload = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("across nodes");
        Assert.Equal("across nodes", first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(payload));
        Assert.Equal(1, await first.WithDbAsync(db => db.DataProtectionKeys.CountAsync()));
    }
}
