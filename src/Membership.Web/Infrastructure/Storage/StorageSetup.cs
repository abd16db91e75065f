using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Membership.Web.Infrastructure.Database;

namespace Membership.Web.Infrastructure.Storage;

/// <summary>
/// Registers the upload storage named by <c>Uploads:Storage</c>. A wrong setting stops start-up
/// with a message naming it, rather than failing on the first upload.
/// </summary>
public static partial class StorageSetup
{
    public static IServiceCollection AddMembershipFileStorage(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection("Uploads");
        // Read as text first: the binder's own error for a bad enum value does not say which values exist.
        var kind = ParseKind(section["Storage"]);
        if (kind == UploadStorageKind.Local)
        {
            services.AddSingleton<IFileStorage>(_ =>
            {
                var directory = section["Directory"];
                return new LocalFolderStorage(string.IsNullOrWhiteSpace(directory)
                    ? Path.Combine(DatabaseSetup.DataDirectory(configuration, environment), "uploads")
                    : Path.GetFullPath(directory, environment.ContentRootPath));
            });
            return services;
        }

        var container = ContainerClient(section.GetSection("AzureBlob").Get<AzureBlobSettings>() ?? new AzureBlobSettings());
        services.AddSingleton<IFileStorage>(provider => new AzureBlobStorage(container, provider.GetRequiredService<ILogger<AzureBlobStorage>>()));
        return services;
    }

    private static UploadStorageKind ParseKind(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return UploadStorageKind.Local;
        }

        // Names only: Enum.TryParse would also take numbers ("7").
        var name = Enum.GetNames<UploadStorageKind>().FirstOrDefault(n => n.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (name is not null)
        {
            return Enum.Parse<UploadStorageKind>(name);
        }

        throw new InvalidOperationException(
            $"Uploads:Storage is \"{value}\"; it must be {string.Join(" or ", Enum.GetNames<UploadStorageKind>())} (Local for one node, AzureBlob when several nodes share uploads).");
    }

    private static BlobContainerClient ContainerClient(AzureBlobSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new InvalidOperationException(
                "Uploads:Storage is AzureBlob but Uploads:AzureBlob:ConnectionString is empty. Set it to the storage account's connection string, " +
                "in an environment variable (Uploads__AzureBlob__ConnectionString) or a secret store, not in a file.");
        }

        if (!ContainerName().IsMatch(settings.Container ?? ""))
        {
            throw new InvalidOperationException(
                $"Uploads:AzureBlob:Container is \"{settings.Container}\"; a container name is 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.");
        }

        try
        {
            return new BlobContainerClient(settings.ConnectionString, settings.Container);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's message describes the format; the connection string itself (a secret) is not repeated.
            throw new InvalidOperationException("Uploads:AzureBlob:ConnectionString is not a valid Azure Storage connection string: " + e.Message, e);
        }
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();
}
