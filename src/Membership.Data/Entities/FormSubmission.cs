namespace Membership.Data.Entities;

/// <summary>
/// A state-changing form's one-time submission key, stored when its first submission starts: a
/// repeat of the key (a double click, a resent form after a time-out) waits for the first and
/// gets its answer instead of doing the work twice.
/// </summary>
public class FormSubmission
{
    /// <summary>The random key the form carried.</summary>
    public string Key { get; set; } = "";

    /// <summary>Who submitted it (empty for a visitor): a key only replays for the same person.</summary>
    public string UserId { get; set; } = "";

    /// <summary>The path it was posted to.</summary>
    public string Path { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>When the first submission's answer was known; null while it is being handled.</summary>
    public DateTime? CompletedAt { get; set; }

    /// <summary>The first answer's status (a redirect) and where it sent the person.</summary>
    public int StatusCode { get; set; }

    public string? Location { get; set; }
}
