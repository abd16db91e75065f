namespace Membership.StripeEmulator;

/// <summary>
/// Makes the next N API requests (under <c>/v1/</c>, optionally only those whose path starts with a
/// prefix) fail: a 500 <c>api_error</c>, a 429 rate limit, or a hang. Rules are consumed in the order
/// they were added; a request takes the first rule that matches and still has requests left.
/// Faulted requests never reach the handlers, so they create nothing and store no idempotent result.
/// </summary>
public sealed class FaultSwitches
{
    private readonly object _gate = new();
    private readonly List<FaultRule> _rules = [];

    /// <summary>The next <paramref name="count"/> matching requests answer <paramref name="statusCode"/> with an <c>api_error</c>.</summary>
    public FaultRule FailNext(int count = 1, string? pathPrefix = null, int statusCode = 500) =>
        Add(new FaultRule(FaultKind.ServerError, count, pathPrefix) { StatusCode = statusCode });

    /// <summary>
    /// The next <paramref name="count"/> matching requests answer 429 (<c>rate_limit</c>) with <c>Retry-After</c>
    /// and <c>Stripe-Should-Retry</c> (Stripe.net retries a 429 only when that header says true).
    /// </summary>
    public FaultRule RateLimitNext(int count = 1, string? pathPrefix = null, int retryAfterSeconds = 1, bool shouldRetry = true) =>
        Add(new FaultRule(FaultKind.RateLimit, count, pathPrefix) { StatusCode = 429, RetryAfterSeconds = retryAfterSeconds, ShouldRetry = shouldRetry });

    /// <summary>
    /// The next <paramref name="count"/> matching requests wait <paramref name="duration"/> before being handled.
    /// A client that gives up meanwhile (its timeout) leaves nothing behind; one that waits gets the normal answer.
    /// </summary>
    public FaultRule HangNext(TimeSpan duration, int count = 1, string? pathPrefix = null) =>
        Add(new FaultRule(FaultKind.Hang, count, pathPrefix) { HangFor = duration });

    public FaultRule Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Rules that still have requests left.</summary>
    public IReadOnlyList<FaultRule> Pending
    {
        get
        {
            lock (_gate)
            {
                return _rules.Where(r => r.Remaining > 0).ToList();
            }
        }
    }

    internal FaultRule? TryTake(string path)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining > 0 && (rule.PathPrefix is null || path.StartsWith(rule.PathPrefix, StringComparison.Ordinal)))
                {
                    rule.Remaining--;
                    rule.Triggered++;
                    return rule;
                }
            }

            _rules.RemoveAll(r => r.Remaining <= 0);
            return null;
        }
    }
}

/// <summary>What a fault switch does to a request.</summary>
public enum FaultKind
{
    /// <summary>HTTP 500 (or the status given), error type <c>api_error</c>.</summary>
    ServerError,

    /// <summary>HTTP 429, code <c>rate_limit</c>.</summary>
    RateLimit,

    /// <summary>The request is held for a while before it is handled.</summary>
    Hang,
}

/// <summary>One fault switch: what to do, to how many more requests, under which path.</summary>
public sealed class FaultRule
{
    public FaultRule(FaultKind kind, int count, string? pathPrefix = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Kind = kind;
        Remaining = count;
        PathPrefix = string.IsNullOrEmpty(pathPrefix) ? null : pathPrefix;
    }

    public FaultKind Kind { get; }

    public string? PathPrefix { get; }

    /// <summary>Requests this rule will still fault.</summary>
    public int Remaining { get; internal set; }

    /// <summary>Requests this rule has faulted so far.</summary>
    public int Triggered { get; internal set; }

    public int StatusCode { get; init; } = 500;

    public int RetryAfterSeconds { get; init; } = 1;

    public bool ShouldRetry { get; init; } = true;

    public TimeSpan HangFor { get; init; } = TimeSpan.FromSeconds(30);
}
