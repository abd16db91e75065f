namespace Membership.Data.Entities;

/// <summary>
/// One sending of a post by email. Its recipients are recorded in the same transaction as the
/// delivery, before any mail leaves; the sending jobs only ever work from those rows.
/// </summary>
public class EmailDelivery
{
    public int Id { get; set; }

    /// <summary>Unique: a post is emailed once, so no member ever gets it twice.</summary>
    public int PostId { get; set; }

    public Post? Post { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Set when no recipient is pending any more.</summary>
    public DateTime? CompletedAt { get; set; }

    public List<EmailRecipient> Recipients { get; set; } = [];
}

/// <summary>One member's copy of a delivery and where it stands.</summary>
public class EmailRecipient
{
    public long Id { get; set; }

    public int DeliveryId { get; set; }

    public EmailDelivery? Delivery { get; set; }

    public int MemberId { get; set; }

    public Member? Member { get; set; }

    /// <summary>The address when the delivery was recorded.</summary>
    public string Email { get; set; } = "";

    public RecipientStatus Status { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    /// <summary>A sender's lease on this row: until then no other sender takes it. An expired lease (a crashed sender) frees it.</summary>
    public DateTime? ClaimedUntil { get; set; }

    public string? ClaimedBy { get; set; }

    /// <summary>Not before this time (back-off after a temporary failure).</summary>
    public DateTime? NextAttemptAt { get; set; }

    public DateTime? SentAt { get; set; }
}

public enum RecipientStatus
{
    Pending,

    /// <summary>The SMTP server accepted the message.</summary>
    Sent,

    /// <summary>Permanently refused (5xx), or still failing after every retry.</summary>
    Failed,

    /// <summary>Not sent: by sending time the member could no longer read the post, turned post emails off, or the address is suppressed.</summary>
    Skipped,
}

/// <summary>An address we no longer send post emails to, because its server refused it permanently.</summary>
public class EmailSuppression
{
    public int Id { get; set; }

    /// <summary>Upper-invariant address.</summary>
    public string NormalizedEmail { get; set; } = "";

    public string Reason { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
