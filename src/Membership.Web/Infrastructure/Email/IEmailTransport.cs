namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// How a message physically leaves: SMTP (<see cref="SmtpEmailSender"/>) or the pickup folder
/// (<see cref="PickupFolderEmailSender"/>). Features never call it directly: they go through
/// <see cref="IEmailSender"/> (the outbox) or a post delivery.
/// </summary>
public interface IEmailTransport
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
