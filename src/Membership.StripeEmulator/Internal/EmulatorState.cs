using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// All emulated objects, events, idempotent results and the request log. Every read or change of
/// objects happens under <see cref="Gate"/>; handlers run whole under it, so each API request is atomic.
/// </summary>
internal sealed class EmulatorState
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private readonly Dictionary<string, Entity> _byId = new(StringComparer.Ordinal);
    private readonly List<Entity> _all = [];
    private readonly List<EmulatedEvent> _events = [];
    private readonly Dictionary<(string Scope, string Key), IdempotentResult> _idempotency = [];
    private readonly List<RecordedRequest> _requests = [];
    private long _seq;
    private long? _nowOverride;

    public EmulatorState(StripeEmulatorOptions options, EmulatorClock clock, WebhookSettings webhooks)
    {
        Options = options;
        Clock = clock;
        Webhooks = webhooks;
    }

    public object Gate { get; } = new();

    public StripeEmulatorOptions Options { get; }

    public EmulatorClock Clock { get; }

    public WebhookSettings Webhooks { get; }

    public Uri BaseUrl { get; set; } = new("http://127.0.0.1/");

    public string PlatformAccountId { get; set; } = "";

    /// <summary>Where the state is saved (<see cref="StripeEmulatorOptions.StateDirectory"/>); null = in memory only.</summary>
    public StateStore? Store { get; set; }

    /// <summary>Something changed since the last save.</summary>
    public bool Dirty { get; private set; }

    public void MarkDirty() => Dirty = true;

    /// <summary>Saves the state when something changed (callers hold <see cref="Gate"/>; a no-op without a store).</summary>
    public void Checkpoint()
    {
        if (Store is null || !Dirty)
        {
            return;
        }

        Store.Save(Export());
        Dirty = false;
    }

    public StateSnapshot Export()
    {
        var (frozenAt, offset) = Clock.Export();
        return new StateSnapshot
        {
            BaseUrl = BaseUrl.ToString(),
            SavedAt = Clock.RealUtcNow,
            PlatformAccountId = PlatformAccountId,
            Sequence = _seq,
            ClockFrozenAt = frozenAt,
            ClockOffset = offset,
            Entities = _all.ToList(),
            Idempotency = _idempotency.Select(kv => new IdempotencyRecord { Scope = kv.Key.Scope, Key = kv.Key.Key, Result = kv.Value }).ToList(),
            Webhooks = Webhooks.Export(),
        };
    }

    /// <summary>Replaces the objects, events, idempotent results and id sequence with saved ones (the clock and webhooks are restored by the caller).</summary>
    public void Import(StateSnapshot snapshot)
    {
        _byId.Clear();
        _all.Clear();
        _events.Clear();
        _idempotency.Clear();
        foreach (var entity in snapshot.Entities)
        {
            _byId[entity.Id] = entity;
            _all.Add(entity);
            if (entity is EventEntity e)
            {
                _events.Add(new EmulatedEvent(e.Id, e.Type, e.Scope, e.Created, e.Json));
            }
        }

        foreach (var record in snapshot.Idempotency)
        {
            _idempotency[(record.Scope, record.Key)] = record.Result;
        }

        _seq = Math.Max(snapshot.Sequence, _all.Count == 0 ? 0 : _all.Max(e => e.Seq));
        PlatformAccountId = snapshot.PlatformAccountId;
    }

    public EmulatedEvent? FindEvent(string id) => Find<EventEntity>(id) is { } e ? new EmulatedEvent(e.Id, e.Type, e.Scope, e.Created, e.Json) : null;

    /// <summary>The request being handled (stamped on events as <c>request.id</c>).</summary>
    public (string Id, string? IdempotencyKey)? CurrentRequest { get; set; }

    /// <summary>Emulator time in Unix seconds (while processing due work: the time that work fell due).</summary>
    public long Now => _nowOverride ?? Clock.UnixNow;

    public IDisposable At(long time)
    {
        var previous = _nowOverride;
        _nowOverride = time;
        return new Restore(() => _nowOverride = previous);
    }

    public string HostedUrl(string path) => new Uri(BaseUrl, path).ToString();

    public static string NewId(string prefix, int length = 24)
    {
        Span<char> chars = stackalloc char[length];
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] % Alphabet.Length];
        }

        return prefix + new string(chars);
    }

    public T Add<T>(T entity)
        where T : Entity
    {
        if (!_byId.TryAdd(entity.Id, entity))
        {
            throw ApiError.Invalid($"An object with id '{entity.Id}' already exists.", "id", "resource_already_exists");
        }

        entity.Seq = ++_seq;
        _all.Add(entity);
        Dirty = true;
        return entity;
    }

    public Entity? Find(string id) => _byId.GetValueOrDefault(id);

    public T? Find<T>(string id)
        where T : Entity => _byId.GetValueOrDefault(id) as T;

    /// <summary>The object if it exists on the given account (null = platform).</summary>
    public T? Find<T>(string id, string? scope)
        where T : Entity => Find<T>(id) is { } e && e.Scope == scope ? e : null;

    public T Get<T>(string? id, string? scope, string kind, string param = "id")
        where T : Entity
    {
        if (string.IsNullOrEmpty(id))
        {
            throw ApiError.Missing(param);
        }

        return Find<T>(id, scope) ?? throw ApiError.NoSuch(kind, id, param);
    }

    /// <summary>Objects of a type on an account, oldest first.</summary>
    public IEnumerable<T> All<T>(string? scope)
        where T : Entity => _all.OfType<T>().Where(e => e.Scope == scope);

    public IEnumerable<T> AllScopes<T>()
        where T : Entity => _all.OfType<T>();

    public IEnumerable<Entity> Everything => _all;

    // ---- events ----

    public IReadOnlyList<EmulatedEvent> Events => _events;

    /// <summary>Records an event with a snapshot of <paramref name="subject"/> and queues its webhook.</summary>
    public EmulatedEvent Emit(string type, Entity subject, JsonObject? previousAttributes = null, string? account = null)
    {
        var id = NewId("evt_");
        account ??= subject.Scope;
        var data = new JsonObject { ["object"] = subject.Render(new RenderContext(this)) };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes;
        }

        var ev = new JsonObject { ["id"] = id, ["object"] = "event" };
        if (account is not null)
        {
            ev["account"] = account;
        }

        ev["api_version"] = Options.ApiVersion;
        ev["created"] = Now;
        ev["data"] = data;
        ev["livemode"] = false;
        ev["pending_webhooks"] = Webhooks.HasEndpoint ? 1 : 0;
        ev["request"] = new JsonObject
        {
            ["id"] = CurrentRequest?.Id,
            ["idempotency_key"] = CurrentRequest?.IdempotencyKey,
        };
        ev["type"] = type;
        var json = ev.ToJsonString(Indented);
        Add(new EventEntity { Id = id, Scope = account, Created = Now, Json = json, Type = type });
        var record = new EmulatedEvent(id, type, account, Now, json);
        _events.Add(record);
        Webhooks.Enqueue(record);
        return record;
    }

    /// <summary>Emits <paramref name="type"/> with <c>previous_attributes</c> = the top-level fields that changed since <paramref name="before"/>; nothing when nothing changed.</summary>
    public EmulatedEvent? EmitChanged(string type, Entity subject, JsonObject before, string? account = null)
    {
        var after = subject.Render(new RenderContext(this));
        var previous = new JsonObject();
        foreach (var (key, oldValue) in before)
        {
            after.TryGetPropertyValue(key, out var newValue);
            if (!JsonNode.DeepEquals(oldValue, newValue))
            {
                previous[key] = oldValue?.DeepClone();
            }
        }

        return previous.Count == 0 ? null : Emit(type, subject, previous, account);
    }

    public JsonObject Snapshot(Entity e) => e.Render(new RenderContext(this));

    // ---- idempotency and request log ----

    public IdempotentResult? FindIdempotent(string? scope, string key) => _idempotency.GetValueOrDefault((scope ?? "", key));

    public void StoreIdempotent(string? scope, string key, IdempotentResult result)
    {
        _idempotency[(scope ?? "", key)] = result;
        Dirty = true;
    }

    public IReadOnlyList<RecordedRequest> Requests => _requests;

    public void Record(RecordedRequest r) => _requests.Add(r);

    // ---- rendering helpers ----

    public string Serialize(JsonNode node) => node.ToJsonString(Indented);

    /// <summary>A Stripe list page: newest first, <c>limit</c> (1–100, default 10), <c>starting_after</c>, <c>ending_before</c>.</summary>
    public JsonObject Page<T>(IEnumerable<T> oldestFirst, ParamNode p, string url)
        where T : Entity
    {
        var items = oldestFirst.OrderByDescending(e => e.Seq).ToList();
        var limit = (int)Math.Clamp(p.Long("limit") ?? 10, 1, 100);
        List<T> page;
        bool hasMore;
        if (p.NonEmpty("starting_after") is { } after)
        {
            var index = items.FindIndex(e => e.Id == after);
            if (index < 0)
            {
                throw ApiError.NoSuch("object", after, "starting_after");
            }

            var rest = items.Skip(index + 1).ToList();
            page = rest.Take(limit).ToList();
            hasMore = rest.Count > limit;
        }
        else if (p.NonEmpty("ending_before") is { } before)
        {
            var index = items.FindIndex(e => e.Id == before);
            if (index < 0)
            {
                throw ApiError.NoSuch("object", before, "ending_before");
            }

            var head = items.Take(index).ToList();
            page = head.Skip(Math.Max(0, head.Count - limit)).ToList();
            hasMore = head.Count > limit;
        }
        else
        {
            page = items.Take(limit).ToList();
            hasMore = items.Count > limit;
        }

        var data = Expansion.PathTree.From(p.StrList("expand")).GetValueOrDefault("data");
        return Json.List(url, page.Select(e => (JsonNode)Expansion.Render(this, e, data)), hasMore);
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

internal sealed record IdempotentResult(string Method, string Path, string Fingerprint, int StatusCode, string Body, long CreatedAt);
