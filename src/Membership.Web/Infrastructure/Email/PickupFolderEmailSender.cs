using MimeKit;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The embedded default: each message becomes an .eml file in the pickup folder
/// (<c>Email:PickupDirectory</c>, default <c>{DataDirectory}/mail</c>), which any mail client opens.
/// Files are written under a temporary name and renamed, so a reader never sees half a message.
/// </summary>
public sealed class PickupFolderEmailSender(MimeMessageFactory factory, string directory, ILogger<PickupFolderEmailSender> logger) : IEmailTransport
{
    public string Directory { get; } = directory;

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var mime = factory.Create(message);
        var name = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(Directory, name + ".tmp");
        await using (var stream = File.Create(temporary))
        {
            await mime.WriteToAsync(FormatOptions.Default, stream, cancellationToken);
        }

        var final = Path.Combine(Directory, name + ".eml");
        File.Move(temporary, final);
        logger.LogInformation("Wrote email {Subject} for {Recipient} to {File}", message.Subject, message.To, final);
    }
}
