namespace Membership.Web.Infrastructure.Email;

/// <summary>The one seam every email leaves the site through.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
