namespace Membership.StripeEmulator;

/// <summary>
/// The emulator's own time (a test clock). Object timestamps, periods and renewals follow it.
/// Advancing it processes everything that falls due on the way (renewals, retries, trial ends,
/// cancellations at period end), in time order. It never goes backwards.
/// </summary>
public sealed class EmulatorClock
{
    private readonly object _gate = new();
    private readonly Func<DateTimeOffset> _realNow;
    private DateTimeOffset? _frozenAt;
    private TimeSpan _offset;

    internal EmulatorClock(DateTimeOffset? start, bool frozen, Func<DateTimeOffset>? realNow = null)
    {
        _realNow = realNow ?? (() => DateTimeOffset.UtcNow);
        var now = _realNow();
        var startAt = TruncateToSeconds(start ?? now);
        _offset = startAt - now;
        if (frozen)
        {
            _frozenAt = startAt;
        }
    }

    /// <summary>Called after the clock moved (processes what fell due). Set by the emulator.</summary>
    internal Action? Advanced { get; set; }

    /// <summary>Called after the clock was frozen or let run (saves the state). Set by the emulator.</summary>
    internal Action? Changed { get; set; }

    /// <summary>Wall-clock time, which Stripe checks some request parameters against (e.g. a Checkout Session's <c>expires_at</c>).</summary>
    internal DateTimeOffset RealUtcNow => _realNow();

    /// <summary>What the state file keeps: the instant a frozen clock stands at, or a running clock's offset from real time.</summary>
    internal (DateTimeOffset? FrozenAt, TimeSpan Offset) Export()
    {
        lock (_gate)
        {
            return (_frozenAt, _offset);
        }
    }

    internal void Import(DateTimeOffset? frozenAt, TimeSpan offset)
    {
        lock (_gate)
        {
            _frozenAt = frozenAt;
            _offset = offset;
        }
    }

    public DateTimeOffset UtcNow
    {
        get
        {
            lock (_gate)
            {
                return _frozenAt ?? _realNow() + _offset;
            }
        }
    }

    public long UnixNow => UtcNow.ToUnixTimeSeconds();

    public bool IsFrozen
    {
        get
        {
            lock (_gate)
            {
                return _frozenAt is not null;
            }
        }
    }

    /// <summary>Stops the clock at its current time.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            _frozenAt ??= TruncateToSeconds(_realNow() + _offset);
        }

        Changed?.Invoke();
    }

    /// <summary>Lets the clock run again from where it stands.</summary>
    public void Unfreeze()
    {
        lock (_gate)
        {
            if (_frozenAt is { } at)
            {
                _offset = at - _realNow();
                _frozenAt = null;
            }
        }

        Changed?.Invoke();
    }

    /// <summary>Moves the clock forward and processes everything that fell due.</summary>
    public DateTimeOffset Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), "The emulator clock cannot go backwards.");
        }

        lock (_gate)
        {
            if (_frozenAt is { } at)
            {
                _frozenAt = at + by;
            }
            else
            {
                _offset += by;
            }
        }

        Advanced?.Invoke();
        return UtcNow;
    }

    /// <summary>Moves the clock to <paramref name="to"/> (not before now) and processes what fell due.</summary>
    public DateTimeOffset AdvanceTo(DateTimeOffset to)
    {
        var now = UtcNow;
        if (to < now.AddSeconds(-1))
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"The emulator clock is at {now:O} and cannot go back to {to:O}.");
        }

        return Advance(to > now ? to - now : TimeSpan.Zero);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());
}
