namespace Membership.Web.Infrastructure.Email;

/// <summary>One email to one person, with both a plain-text and an HTML body.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody)
{
    /// <summary>Extra headers (e.g. List-Unsubscribe) set on the message as given.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A fixed Message-ID (without angle brackets); generated when null.</summary>
    public string? MessageId { get; init; }
}
