namespace Membership.Data.Entities;

/// <summary>
/// A transactional email (confirmation, sign-in link, receipt…) stored before it is sent, so an
/// SMTP outage delays it instead of losing it. Sent at once when the server answers; otherwise
/// the outbox job retries it.
/// </summary>
public class OutboxEmail
{
    public long Id { get; set; }

    public string To { get; set; } = "";

    public string Subject { get; set; } = "";

    public string TextBody { get; set; } = "";

    public string HtmlBody { get; set; } = "";

    /// <summary>Extra headers as JSON (name → value).</summary>
    public string HeadersJson { get; set; } = "{}";

    /// <summary>Fixed when the row is made, so a retried send carries the same Message-ID.</summary>
    public string MessageId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? SentAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTime? NextAttemptAt { get; set; }

    /// <summary>A sender's lease on the row (see <c>EmailRecipient.ClaimedUntil</c>).</summary>
    public DateTime? ClaimedUntil { get; set; }
}
