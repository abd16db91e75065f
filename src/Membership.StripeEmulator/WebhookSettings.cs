using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Membership.StripeEmulator;

/// <summary>
/// Where and how events are delivered, plus the delivery log. Events are POSTed one at a time by a
/// background loop, in the order they happened, signed like Stripe signs them. A failed delivery
/// (non-2xx, connection error, timeout) is retried after <see cref="RetryInitialDelay"/>, doubling up to
/// <see cref="RetryMaxDelay"/>, at most <see cref="MaxAttempts"/> tries; meanwhile later events go ahead
/// (as with Stripe, a retried event can arrive after newer ones).
/// </summary>
public sealed class WebhookSettings
{
    private readonly object _gate = new();
    private readonly List<Pending> _queue = [];
    private readonly List<EmulatedEvent> _held = [];
    private readonly List<WebhookDelivery> _deliveries = [];
    private readonly List<WebhookAttempt> _attempts = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Func<DateTimeOffset> _realNow;
    private Uri? _endpoint;
    private string _secret;
    private HttpMessageHandler? _handler;
    private HttpClient? _ownClient;
    private bool _deliverTwice;
    private bool _holding;
    private readonly List<Pending> _flying = [];
    private long _sequence;
    private TimeSpan _retryInitialDelay;
    private TimeSpan _retryMaxDelay;
    private int _maxAttempts;
    private TimeSpan _timeout;
    private Task? _loop;

    internal WebhookSettings(StripeEmulatorOptions options, Func<DateTimeOffset>? realNow = null)
    {
        _realNow = realNow ?? (() => DateTimeOffset.UtcNow);
        _endpoint = options.WebhookEndpoint;
        _secret = string.IsNullOrWhiteSpace(options.WebhookSecret) ? "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : options.WebhookSecret;
        _handler = options.WebhookHandler;
        _retryInitialDelay = options.WebhookRetryInitialDelay;
        _retryMaxDelay = options.WebhookRetryMaxDelay;
        _maxAttempts = Math.Max(1, options.WebhookMaxAttempts);
        _timeout = options.WebhookTimeout;
    }

    /// <summary>The endpoint every event is POSTed to; null: events are only recorded (and listed by <c>/v1/events</c>).</summary>
    public Uri? EndpointUrl
    {
        get { lock (_gate) { return _endpoint; } }
        set { lock (_gate) { _endpoint = value; } }
    }

    /// <summary>The <c>whsec_</c> signing secret.</summary>
    public string Secret
    {
        get { lock (_gate) { return _secret; } }
        set
        {
            lock (_gate)
            {
                _secret = value;
            }

            StateChanged?.Invoke();
        }
    }

    /// <summary>Sends deliveries through this handler (in-process delivery, e.g. to a WebApplicationFactory server) instead of the network.</summary>
    public HttpMessageHandler? Handler
    {
        get { lock (_gate) { return _handler; } }
        set { lock (_gate) { _handler = value; } }
    }

    /// <summary>Deliver every event twice (same id, back to back), to test duplicate handling.</summary>
    public bool DeliverTwice
    {
        get { lock (_gate) { return _deliverTwice; } }
        set
        {
            lock (_gate)
            {
                _deliverTwice = value;
            }

            StateChanged?.Invoke();
        }
    }

    public TimeSpan RetryInitialDelay
    {
        get { lock (_gate) { return _retryInitialDelay; } }
        set { lock (_gate) { _retryInitialDelay = value; } }
    }

    public TimeSpan RetryMaxDelay
    {
        get { lock (_gate) { return _retryMaxDelay; } }
        set { lock (_gate) { _retryMaxDelay = value; } }
    }

    public int MaxAttempts
    {
        get { lock (_gate) { return _maxAttempts; } }
        set { lock (_gate) { _maxAttempts = Math.Max(1, value); } }
    }

    public TimeSpan Timeout
    {
        get { lock (_gate) { return _timeout; } }
        set { lock (_gate) { _timeout = value; } }
    }

    /// <summary>True while new events are held back (see <see cref="Hold"/>).</summary>
    public bool IsHolding
    {
        get { lock (_gate) { return _holding; } }
    }

    /// <summary>Events held back, in the order they happened.</summary>
    public IReadOnlyList<EmulatedEvent> Held
    {
        get { lock (_gate) { return _held.ToList(); } }
    }

    /// <summary>From now on, new events are held back instead of delivered, until <see cref="Release(WebhookReleaseOrder)"/>.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _holding = true;
        }

        StateChanged?.Invoke();
    }

    /// <summary>Stops holding and queues the held batch for delivery in the given order. Returns the event ids in delivery order.</summary>
    public IReadOnlyList<string> Release(WebhookReleaseOrder order = WebhookReleaseOrder.Reverse) =>
        Release(batch => order == WebhookReleaseOrder.Reverse ? batch.Reverse() : batch);

    /// <summary>Stops holding and queues the held batch in the order <paramref name="reorder"/> returns (events it leaves out are dropped).</summary>
    public IReadOnlyList<string> Release(Func<IReadOnlyList<EmulatedEvent>, IEnumerable<EmulatedEvent>> reorder)
    {
        ArgumentNullException.ThrowIfNull(reorder);
        List<EmulatedEvent> ordered;
        lock (_gate)
        {
            _holding = false;
            ordered = reorder(_held.ToList()).ToList();
            _held.Clear();
            foreach (var ev in ordered)
            {
                QueueLocked(ev);
            }
        }

        Signal();
        StateChanged?.Invoke();
        return ordered.Select(e => e.Id).ToList();
    }

    /// <summary>
    /// Sends an event again (a new copy, as Stripe's "Resend" does), whatever became of its earlier deliveries.
    /// Returns false when there is no endpoint or no such event.
    /// </summary>
    public bool Redeliver(string eventId)
    {
        var ev = FindEvent?.Invoke(eventId);
        if (ev is null)
        {
            return false;
        }

        lock (_gate)
        {
            if (_endpoint is null)
            {
                return false;
            }

            var copy = _deliveries.Where(d => d.EventId == eventId).Select(d => d.Copy).DefaultIfEmpty(0).Max() + 1;
            var delivery = new WebhookDelivery(ev.Id, ev.Type, copy);
            _deliveries.Add(delivery);
            _queue.Add(new Pending(ev, delivery, ++_sequence, DateTimeOffset.MinValue));
        }

        Signal();
        StateChanged?.Invoke();
        return true;
    }

    /// <summary>One entry per event copy queued for delivery (two per event when <see cref="DeliverTwice"/> was on).</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries
    {
        get { lock (_gate) { return _deliveries.ToList(); } }
    }

    /// <summary>Every POST attempt, in the order they were made.</summary>
    public IReadOnlyList<WebhookAttempt> Attempts
    {
        get { lock (_gate) { return _attempts.ToList(); } }
    }

    /// <summary>Events successfully delivered, in delivery order (duplicates appear twice).</summary>
    public IReadOnlyList<WebhookAttempt> Delivered
    {
        get { lock (_gate) { return _attempts.Where(a => a.Succeeded).ToList(); } }
    }

    /// <summary>Deliveries still to be made (retries waiting included; held events excluded).</summary>
    public int PendingCount
    {
        get { lock (_gate) { return _queue.Count + _flying.Count; } }
    }

    /// <summary>Waits until nothing is queued, retrying or in flight (held events do not count). Throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitForIdleAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_gate)
            {
                if (_queue.Count == 0 && _flying.Count == 0)
                {
                    return;
                }
            }

            if (DateTime.UtcNow >= deadline)
            {
                string pending;
                lock (_gate)
                {
                    pending = string.Join(", ", _queue.Select(p => $"{p.Event.Type} {p.Event.Id} (attempts {p.Delivery.Attempts})"));
                }

                throw new TimeoutException($"Webhook deliveries still pending: {pending}");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Computes the <c>Stripe-Signature</c> header for a payload, as Stripe does.</summary>
    public static string Sign(string payload, string secret, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(secret);
        var t = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + payload));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    internal bool HasEndpoint
    {
        get { lock (_gate) { return _endpoint is not null; } }
    }

    /// <summary>Called (outside this object's lock) after the delivery state changed, so the emulator can save it.</summary>
    internal Action? StateChanged { get; set; }

    /// <summary>Looks an event up by id (for <see cref="Redeliver"/> and for reloading saved state).</summary>
    internal Func<string, EmulatedEvent?>? FindEvent { get; set; }

    /// <summary>The delivery state for the state file. Deliveries in flight are saved as still to be made, so a crash mid-POST delivers again (at least once, like Stripe).</summary>
    internal WebhookSnapshot Export()
    {
        lock (_gate)
        {
            var index = new Dictionary<WebhookDelivery, int>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < _deliveries.Count; i++)
            {
                index[_deliveries[i]] = i;
            }

            return new WebhookSnapshot
            {
                Secret = _secret,
                DeliverTwice = _deliverTwice,
                Holding = _holding,
                Sequence = _sequence,
                Held = _held.Select(e => e.Id).ToList(),
                Deliveries = _deliveries.Select(d => new WebhookDeliveryRecord(d.EventId, d.EventType, d.Copy, d.Attempts, d.Status, d.LastStatusCode, d.LastError, d.DeliveredAt, d.NextAttemptAt, d.LastAttemptAt)).ToList(),
                Queue = _queue.Concat(_flying)
                    .Where(p => index.ContainsKey(p.Delivery))
                    .Select(p => new PendingDeliveryRecord(index[p.Delivery], p.Sequence, _flying.Contains(p) ? DateTimeOffset.MinValue : p.DueAt))
                    .OrderBy(p => p.Sequence)
                    .ToList(),
                Attempts = _attempts.ToList(),
            };
        }
    }

    /// <summary>Restores saved delivery state. The secret is kept unless the options set one explicitly.</summary>
    internal void Import(WebhookSnapshot snapshot, bool keepConfiguredSecret)
    {
        var find = FindEvent ?? (_ => null);
        lock (_gate)
        {
            if (!keepConfiguredSecret && !string.IsNullOrEmpty(snapshot.Secret))
            {
                _secret = snapshot.Secret;
            }

            _deliverTwice = snapshot.DeliverTwice;
            _holding = snapshot.Holding;
            _sequence = snapshot.Sequence;
            _held.Clear();
            _held.AddRange(snapshot.Held.Select(id => find(id)).OfType<EmulatedEvent>());
            _deliveries.Clear();
            foreach (var d in snapshot.Deliveries)
            {
                _deliveries.Add(new WebhookDelivery(d.EventId, d.EventType, d.Copy)
                {
                    Attempts = d.Attempts,
                    Status = d.Status,
                    LastStatusCode = d.LastStatusCode,
                    LastError = d.LastError,
                    DeliveredAt = d.DeliveredAt,
                    NextAttemptAt = d.NextAttemptAt,
                    LastAttemptAt = d.LastAttemptAt,
                });
            }

            _queue.Clear();
            foreach (var p in snapshot.Queue)
            {
                if (p.DeliveryIndex >= 0 && p.DeliveryIndex < _deliveries.Count && find(_deliveries[p.DeliveryIndex].EventId) is { } ev)
                {
                    _queue.Add(new Pending(ev, _deliveries[p.DeliveryIndex], p.Sequence, p.DueAt));
                }
            }

            _attempts.Clear();
            _attempts.AddRange(snapshot.Attempts);
        }

        Signal();
    }

    internal void Enqueue(EmulatedEvent ev)
    {
        lock (_gate)
        {
            if (_endpoint is null)
            {
                return;
            }

            if (_holding)
            {
                _held.Add(ev);
                return;
            }

            QueueLocked(ev);
        }

        Signal();
    }

    private void QueueLocked(EmulatedEvent ev)
    {
        var copies = _deliverTwice ? 2 : 1;
        for (var copy = 1; copy <= copies; copy++)
        {
            var delivery = new WebhookDelivery(ev.Id, ev.Type, copy);
            _deliveries.Add(delivery);
            _queue.Add(new Pending(ev, delivery, ++_sequence, DateTimeOffset.MinValue));
        }
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal void Start(CancellationToken stopping)
    {
        _loop = Task.Run(() => RunAsync(stopping), CancellationToken.None);
    }

    internal async Task StopAsync()
    {
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _ownClient?.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Pending? next = null;
            TimeSpan wait = System.Threading.Timeout.InfiniteTimeSpan;
            lock (_gate)
            {
                var now = _realNow();
                foreach (var p in _queue)
                {
                    if (p.DueAt <= now && (next is null || p.Sequence < next.Sequence))
                    {
                        next = p;
                    }
                }

                if (next is not null)
                {
                    _queue.Remove(next);
                    _flying.Add(next);
                }
                else if (_queue.Count > 0)
                {
                    var soonest = _queue.Min(p => p.DueAt);
                    wait = soonest - now;
                    if (wait < TimeSpan.Zero)
                    {
                        wait = TimeSpan.Zero;
                    }
                }
            }

            if (next is null)
            {
                try
                {
                    await _signal.WaitAsync(wait, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                await DeliverAsync(next, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                lock (_gate)
                {
                    // Stopped mid-POST: the delivery is still owed (the saved state delivers it after a restart).
                    _queue.Add(next with { DueAt = DateTimeOffset.MinValue });
                }

                throw;
            }
            finally
            {
                lock (_gate)
                {
                    _flying.Remove(next);
                }
            }

            StateChanged?.Invoke();
        }
    }

    private async Task DeliverAsync(Pending pending, CancellationToken stopping)
    {
        Uri? endpoint;
        string secret;
        HttpMessageHandler? handler;
        TimeSpan timeout;
        lock (_gate)
        {
            endpoint = _endpoint;
            secret = _secret;
            handler = _handler;
            timeout = _timeout;
        }

        var attemptNumber = pending.Delivery.Attempts + 1;
        int? status = null;
        string? error = null;
        if (endpoint is null)
        {
            error = "no endpoint configured";
        }
        else
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
                request.Content = new StringContent(pending.Event.Json, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
                request.Headers.TryAddWithoutValidation("Stripe-Signature", Sign(pending.Event.Json, secret, _realNow().ToUnixTimeSeconds()));
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                cts.CancelAfter(timeout);
                var client = handler is not null ? new HttpClient(handler, disposeHandler: false) : (_ownClient ??= new HttpClient());
                try
                {
                    using var response = await client.SendAsync(request, cts.Token).ConfigureAwait(false);
                    status = (int)response.StatusCode;
                    if (!response.IsSuccessStatusCode)
                    {
                        error = $"HTTP {status}";
                    }
                }
                finally
                {
                    if (handler is not null)
                    {
                        client.Dispose();
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                error = $"timed out after {timeout.TotalSeconds:0.###}s";
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
            {
                error = ex.GetType().Name + ": " + ex.Message;
            }
        }

        lock (_gate)
        {
            var now = _realNow();
            var succeeded = error is null;
            _attempts.Add(new WebhookAttempt(pending.Event.Id, pending.Event.Type, pending.Delivery.Copy, attemptNumber, now, status, error, succeeded));
            pending.Delivery.Attempts = attemptNumber;
            pending.Delivery.LastAttemptAt = now;
            pending.Delivery.LastStatusCode = status;
            pending.Delivery.LastError = error;
            if (succeeded)
            {
                pending.Delivery.Status = WebhookDeliveryStatus.Delivered;
                pending.Delivery.DeliveredAt = now;
            }
            else if (attemptNumber >= _maxAttempts)
            {
                pending.Delivery.Status = WebhookDeliveryStatus.Failed;
            }
            else
            {
                var delay = TimeSpan.FromTicks((long)Math.Min(_retryMaxDelay.Ticks, _retryInitialDelay.Ticks * Math.Pow(2, attemptNumber - 1)));
                pending.Delivery.NextAttemptAt = now + delay;
                _queue.Add(pending with { DueAt = now + delay });
            }
        }
    }

    private sealed record Pending(EmulatedEvent Event, WebhookDelivery Delivery, long Sequence, DateTimeOffset DueAt);
}

/// <summary>The order <see cref="WebhookSettings.Release(WebhookReleaseOrder)"/> queues held events in.</summary>
public enum WebhookReleaseOrder
{
    /// <summary>The order the events happened in.</summary>
    AsHappened,

    /// <summary>Newest first (e.g. <c>customer.subscription.updated</c> before <c>created</c>).</summary>
    Reverse,
}

/// <summary>Where one event copy's delivery stands.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Queued or waiting for a retry.</summary>
    Pending,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered,

    /// <summary>Given up after the last attempt.</summary>
    Failed,
}

/// <summary>The state of one event copy's delivery.</summary>
public sealed class WebhookDelivery
{
    internal WebhookDelivery(string eventId, string eventType, int copy)
    {
        EventId = eventId;
        EventType = eventType;
        Copy = copy;
    }

    public string EventId { get; }

    public string EventType { get; }

    /// <summary>1, or 2 for the duplicate sent when <see cref="WebhookSettings.DeliverTwice"/> is on.</summary>
    public int Copy { get; }

    public int Attempts { get; internal set; }

    public WebhookDeliveryStatus Status { get; internal set; }

    public int? LastStatusCode { get; internal set; }

    public string? LastError { get; internal set; }

    public DateTimeOffset? DeliveredAt { get; internal set; }

    public DateTimeOffset? NextAttemptAt { get; internal set; }

    /// <summary>When the last POST for this copy was made (real time).</summary>
    public DateTimeOffset? LastAttemptAt { get; internal set; }
}

/// <summary>One webhook POST.</summary>
public sealed record WebhookAttempt(
    string EventId,
    string EventType,
    int Copy,
    int AttemptNumber,
    DateTimeOffset At,
    int? StatusCode,
    string? Error,
    bool Succeeded);

/// <summary>The webhook delivery state as the state file keeps it (events are referred to by id).</summary>
internal sealed class WebhookSnapshot
{
    public string Secret { get; set; } = "";

    public bool DeliverTwice { get; set; }

    public bool Holding { get; set; }

    public long Sequence { get; set; }

    public List<string> Held { get; set; } = [];

    public List<WebhookDeliveryRecord> Deliveries { get; set; } = [];

    public List<PendingDeliveryRecord> Queue { get; set; } = [];

    public List<WebhookAttempt> Attempts { get; set; } = [];
}

internal sealed record WebhookDeliveryRecord(
    string EventId,
    string EventType,
    int Copy,
    int Attempts,
    WebhookDeliveryStatus Status,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt);

/// <summary>A delivery still to be made: which one (index into the deliveries), its place in line, and when it is due (real time).</summary>
internal sealed record PendingDeliveryRecord(int DeliveryIndex, long Sequence, DateTimeOffset DueAt);
