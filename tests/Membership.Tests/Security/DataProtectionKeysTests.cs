using Membership.Tests.Infrastructure;
using Membership.Web.Features.Posts.Email;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
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

    [Fact]
    public async Task NewKeys_AreAesGcm_AndLinksProtectedUnderAnOlderCbcKeyStillRead()
    {
        await using var first = new MembershipFactory();
        var keyXml = await first.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).SingleAsync());
        Assert.Contains("<encryption algorithm=\"AES_256_GCM\" />", keyXml);
        var memberId = first.Services.GetRequiredService<UnsubscribeTokens>().MemberId(first.Services.GetRequiredService<UnsubscribeTokens>().For(41));
        Assert.Equal(41, memberId);

        // A key made before the switch (the framework's default, AES-CBC with HMAC), as an
        // existing deployment's database holds it, and an unsubscribe link signed with it.
        var folder = Directory.CreateTempSubdirectory("membership-cbc-keys-");
        try
        {
            var older = new ServiceCollection();
            older.AddDataProtection()
                .SetApplicationName("Membership")
                .PersistKeysToFileSystem(folder)
                .UseCryptographicAlgorithms(new AuthenticatedEncryptorConfiguration { EncryptionAlgorithm = EncryptionAlgorithm.AES_256_CBC, ValidationAlgorithm = ValidationAlgorithm.HMACSHA256 });
            await using var olderServices = older.BuildServiceProvider();
            var oldLink = new UnsubscribeTokens(olderServices.GetRequiredService<IDataProtectionProvider>()).For(42);
            var oldKey = Assert.Single(folder.GetFiles("key-*.xml"));
            Assert.Contains("AES_256_CBC", await File.ReadAllTextAsync(oldKey.FullName));
            await first.WithDbAsync(async db =>
            {
                db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = Path.GetFileNameWithoutExtension(oldKey.Name), Xml = await File.ReadAllTextAsync(oldKey.FullName) });
                await db.SaveChangesAsync();
            });

            // A node started on that database reads both.
            await using var second = new MembershipFactory(first.Database);
            var tokens = second.Services.GetRequiredService<UnsubscribeTokens>();
            Assert.Equal(42, tokens.MemberId(oldLink));
            Assert.Equal(43, tokens.MemberId(first.Services.GetRequiredService<UnsubscribeTokens>().For(43)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
