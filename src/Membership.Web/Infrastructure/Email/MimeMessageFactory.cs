using System.Buffers;
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

    /// <summary>One MIME message refilled for each email a connection sends (see <see cref="ReusedMimeMessage"/>).</summary>
    public ReusedMimeMessage CreateReused() => new(Create(new EmailMessage("nobody@invalid", "", "text", "<p>html</p>")), Domain);
}

/// <summary>
/// One MIME message that a connection refills for each email it sends, one after another:
/// building a MimeMessage (headers encoded as they are set, the content type serialised as each
/// parameter changes, random boundaries and ids) costs about as much as writing it out, and a
/// post delivery sends thousands that differ only in recipient, Message-ID, a few headers and
/// the bodies. <see cref="For"/> sets every one of those each time — a header of the previous
/// email that this one lacks is removed — so nothing of one recipient's email is left in the
/// next. The bodies are kept in their wire form (<see cref="EncodedAlternatives"/>). Not for
/// concurrent use: the caller must finish sending one before filling the next.
/// </summary>
public sealed class ReusedMimeMessage
{
    private readonly MimeMessage _message;
    private readonly EncodedAlternatives _body;
    private readonly string _domain;
    /// <summary>The extra headers the message carries now, with the values they were set to.</summary>
    private readonly Dictionary<string, string> _extraHeaders = new(StringComparer.OrdinalIgnoreCase);
    private long _dateSecond = -1;

    internal ReusedMimeMessage(MimeMessage message, string domain)
    {
        _message = message;
        _domain = domain;
        var alternatives = message.Body as Multipart ?? throw new ArgumentException("The message must be text and HTML alternatives.", nameof(message));
        _body = new EncodedAlternatives(alternatives.Boundary ?? throw new ArgumentException("The alternatives need a boundary.", nameof(message)));
        _message.Body = _body;
    }

    /// <summary>The transfer encodings the last <see cref="For"/> chose for the text and HTML bodies.</summary>
    internal (ContentEncoding Text, ContentEncoding Html) Encodings => (_body.TextEncoding, _body.HtmlEncoding);

    /// <summary>
    /// The message for <paramref name="message"/>; its last bytes are written only once
    /// <paramref name="finishAfter"/> has completed (see <see cref="EncodedAlternatives.FinishAfter"/>).
    /// </summary>
    public MimeMessage For(EmailMessage message, Task? finishAfter = null)
    {
        _message.To.Clear();
        _message.To.Add(MailboxAddress.Parse(message.To));
        if (_message.Subject != message.Subject)
        {
            _message.Subject = message.Subject;
        }

        _message.MessageId = message.MessageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId(_domain);
        // The Date header has whole seconds: set it again only when the second has changed.
        var now = DateTimeOffset.UtcNow;
        if (now.ToUnixTimeSeconds() != _dateSecond)
        {
            _message.Date = now;
            _dateSecond = now.ToUnixTimeSeconds();
        }

        foreach (var name in _extraHeaders.Keys.Where(name => !message.Headers.ContainsKey(name)).ToList())
        {
            _message.Headers.RemoveAll(name);
            _extraHeaders.Remove(name);
        }

        // A header with the same value as the last email's is left as it is: MimeKit encodes on each set.
        foreach (var (name, value) in message.Headers)
        {
            if (!_extraHeaders.TryGetValue(name, out var current) || current != value)
            {
                _message.Headers[name] = value;
                _extraHeaders[name] = value;
            }
        }

        _body.Fill(message.TextBody, message.HtmlBody);
        _body.FinishAfter = finishAfter ?? Task.CompletedTask;
        return _message;
    }

    /// <summary>What a 7bit body may hold: printable ASCII (space to tilde), tabs and line feeds.</summary>
    private static readonly SearchValues<char> SevenBitText = SearchValues.Create(
        "\t\n" + string.Concat(Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c)));

    /// <summary>The longest line SMTP carries (RFC 5321's 1,000 with the CR LF); MailKit's own choice uses the same limit.</summary>
    internal const int SevenBitLineLength = 998;

    /// <summary>
    /// 7bit for a body that needs no encoding: printable ASCII (with tabs) in lines of at most
    /// <paramref name="maxLineLength"/> characters, none starting "From " (which some mail stores
    /// rewrite); otherwise quoted-printable, which suits any body on any server. Two vectorised
    /// passes instead of MailKit's scan of the body through its encoding filter.
    /// </summary>
    internal static ContentEncoding TransferEncoding(string body, int maxLineLength = SevenBitLineLength)
    {
        var rest = body.AsSpan();
        if (rest.ContainsAnyExcept(SevenBitText))
        {
            return ContentEncoding.QuotedPrintable;
        }

        while (true)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            if (line.Length > maxLineLength || line.StartsWith("From ", StringComparison.Ordinal))
            {
                return ContentEncoding.QuotedPrintable;
            }

            if (end < 0)
            {
                return ContentEncoding.SevenBit;
            }

            rest = rest[(end + 1)..];
        }
    }
}
