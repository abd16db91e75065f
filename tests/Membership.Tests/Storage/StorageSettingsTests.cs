using Membership.Tests.Infrastructure;
using Membership.Web.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Tests.Storage;

/// <summary>Upload storage settings: a wrong one stops the site at start-up, saying which and why.</summary>
public sealed class StorageSettingsTests
{
    public static TheoryData<string?, string?, string?, string> BadSettings => new()
    {
        { "AzureBlob", null, null, "Uploads:AzureBlob:ConnectionString is empty" },
        { "AzureBlob", "   ", "uploads", "Uploads:AzureBlob:ConnectionString is empty" },
        { "S3", null, null, "Uploads:Storage is \"S3\"; it must be Local or AzureBlob" },
        { "1", null, null, "Uploads:Storage is \"1\"; it must be Local or AzureBlob" },
        { "AzureBlob", "DefaultEndpointsProtocol=http;AccountName=x;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/x;", "Bad_Name", "Uploads:AzureBlob:Container is \"Bad_Name\"" },
        { "AzureBlob", "not a connection string", "uploads", "Uploads:AzureBlob:ConnectionString is not a valid Azure Storage connection string" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Startup_BadUploadStorageSettings_RefusesWithClearMessage(string? storage, string? connectionString, string? container, string message)
    {
        using var site = new MembershipFactory
        {
            ExtraSettings = new Dictionary<string, string?>
            {
                ["Uploads:Storage"] = storage,
                ["Uploads:AzureBlob:ConnectionString"] = connectionString,
                ["Uploads:AzureBlob:Container"] = container,
            },
        };

        var refused = Record.Exception(() => site.Services);

        Assert.NotNull(refused);
        var messages = Messages(refused);
        Assert.True(messages.Any(m => m.Contains(message, StringComparison.Ordinal)), $"Expected \"{message}\" in: {string.Join(" | ", messages)}");
        Assert.DoesNotContain(messages, m => connectionString is { Length: > 5 } && m.Contains(connectionString, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Local")]
    [InlineData("local")]
    public void Startup_LocalOrUnsetStorage_UsesTheDataFolder(string? storage)
    {
        using var site = new MembershipFactory { ExtraSettings = new Dictionary<string, string?> { ["Uploads:Storage"] = storage } };

        var files = site.Services.GetRequiredService<IFileStorage>();

        var local = Assert.IsType<LocalFolderStorage>(files);
        Assert.Equal(Path.Combine(site.DataDirectory, "uploads"), local.Root);
    }

    private static List<string> Messages(Exception exception)
    {
        var messages = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(inner => inner.Message));
            }
        }

        return messages;
    }
}
