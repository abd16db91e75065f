using Microsoft.Extensions.Options;
using MimeKit;

namespace Membership.Web.Infrastructure.Email;

/// <summary>Builds the MIME form of an <see cref="EmailMessage"/>: text and HTML alternatives, our From.</summary>
public sealed class MimeMessageFactory(IOptions<EmailSettings> settings)
{
    /// <summary>The domain of our From address, for Message-IDs (parsed once: a post delivery asks for it per message).</summary>
    public string Domain { get; } = MailboxAddress.Parse(settings.Value.FromAddress).Domain;

    public MimeMessage Create(EmailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(settings.Value.FromName, settings.Value.FromAddress));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.MessageId = message.MessageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId(Domain);
        foreach (var (name, value) in message.Headers)
        {
            mime.Headers.Add(name, value);
        }

        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        mime.Body = body.ToMessageBody();
        return mime;
    }
}
