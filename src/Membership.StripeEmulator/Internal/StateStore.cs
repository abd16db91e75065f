using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// The emulator's whole state in one JSON file under <see cref="StripeEmulatorOptions.StateDirectory"/>,
/// written atomically (temp file, flush, rename) and read back by <see cref="StripeEmulator.StartAsync"/>.
/// A lock file next to it keeps a second emulator off the same folder.
/// </summary>
internal sealed class StateStore : IDisposable
{
    /// <summary>Bump when the file's shape changes in a way older readers cannot take.</summary>
    public const int SchemaVersion = 1;

    public const string FileName = "stripe-emulator-state.json";

    private const string LockFileName = "stripe-emulator.lock";

    private static readonly JsonSerializerOptions JsonOptions = CreateOptions();

    private readonly FileStream _lock;

    private StateStore(string directory, FileStream lockFile)
    {
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
        _lock = lockFile;
    }

    public string Directory { get; }

    public string FilePath { get; }

    public static StateStore Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(full, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The Stripe emulator's state folder '{full}' is in use by another emulator (its {LockFileName} is locked).", e);
        }

        return new StateStore(full, lockFile);
    }

    /// <summary>The saved text, or null when nothing was saved yet.</summary>
    public string? ReadText() => File.Exists(FilePath) ? File.ReadAllText(FilePath, Encoding.UTF8) : null;

    /// <summary>Parses saved text; throws <see cref="InvalidDataException"/> naming the file when it cannot be used.</summary>
    public StateSnapshot Parse(string text)
    {
        int version;
        try
        {
            using var doc = JsonDocument.Parse(text);
            version = doc.RootElement.TryGetProperty("schema_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        }
        catch (JsonException e)
        {
            throw Unreadable($"it is not valid JSON ({e.Message})", e);
        }

        if (version != SchemaVersion)
        {
            throw Unreadable($"it has schema version {version} and this emulator reads version {SchemaVersion}");
        }

        try
        {
            return JsonSerializer.Deserialize<StateSnapshot>(text, JsonOptions) ?? throw Unreadable("it is empty");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw Unreadable(e.Message, e);
        }
    }

    public void Save(StateSnapshot snapshot)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(snapshot, JsonOptions);
        var temp = FilePath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        // The rename replaces the old file in one step: a crash leaves the old state or the new, never half of one.
        File.Move(temp, FilePath, overwrite: true);
    }

    public void Dispose() => _lock.Dispose();

    private InvalidDataException Unreadable(string why, Exception? inner = null) =>
        new($"The Stripe emulator cannot read its state file '{FilePath}': {why}. Move the file away (or point StateDirectory elsewhere) to start with an empty emulator.", inner);

    /// <summary>
    /// Generic serialization of the entity graph, so a new <see cref="Entity"/> type is saved with no extra code:
    /// every concrete entity type is a derived type of <see cref="Entity"/> (discriminator: its class name);
    /// references are preserved (a subscription's items are the same objects as the entities, a delivery
    /// the same object in the log and the queue); computed get-only properties are skipped; and get-only
    /// collections (<c>Metadata</c>, <c>Items</c>, <c>Lines</c> …) are filled in place. System.Text.Json's
    /// <see cref="JsonObjectCreationHandling.Populate"/> would do that last part, but it refuses to work
    /// together with reference preservation, so a setter that copies into the existing collection stands in.
    /// </summary>
    private static JsonSerializerOptions CreateOptions()
    {
        var entityTypes = typeof(Entity).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && t.IsSubclassOf(typeof(Entity)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(info =>
        {
            if (info.Type == typeof(Entity))
            {
                info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$type" };
                foreach (var t in entityTypes)
                {
                    info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(t, t.Name));
                }
            }

            if (info.Kind != JsonTypeInfoKind.Object)
            {
                return;
            }

            foreach (var property in info.Properties.ToList())
            {
                if (property.Set is not null)
                {
                    continue;
                }

                var clr = property.AttributeProvider as PropertyInfo;
                if (clr?.GetSetMethod(nonPublic: true) is { } hiddenSetter)
                {
                    property.Set = (target, value) => hiddenSetter.Invoke(target, [value]);
                }
                else if (property.Get is { } get && IsFillableCollection(property.PropertyType))
                {
                    property.Set = (target, value) => Fill(get(target), value);
                }
                else
                {
                    info.Properties.Remove(property); // computed (ObjectType, Total, IsEnded …)
                }
            }
        });

        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = resolver,
            ReferenceHandler = ReferenceHandler.Preserve,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly();
        return options;
    }

    private static bool IsFillableCollection(Type type) =>
        type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && (typeof(IList).IsAssignableFrom(type) || typeof(IDictionary).IsAssignableFrom(type) || type.GetMethod("Add") is not null);

    private static void Fill(object? target, object? source)
    {
        if (target is null || source is null)
        {
            return;
        }

        target.GetType().GetMethod("Clear")?.Invoke(target, null);
        if (target is IDictionary dictionary && source is IDictionary entries)
        {
            foreach (DictionaryEntry entry in entries)
            {
                dictionary[entry.Key] = entry.Value;
            }
        }
        else if (target is IList list)
        {
            foreach (var item in (IEnumerable)source)
            {
                list.Add(item);
            }
        }
        else
        {
            var add = target.GetType().GetMethod("Add") ?? throw new NotSupportedException($"Cannot fill a {target.GetType().Name}.");
            foreach (var item in (IEnumerable)source)
            {
                add.Invoke(target, [item]);
            }
        }
    }
}

/// <summary>Everything the state file holds (not the request log, not the fault switches: those are per process).</summary>
internal sealed class StateSnapshot
{
    public int SchemaVersion { get; set; } = StateStore.SchemaVersion;

    /// <summary>The address the emulator had when saving: stored JSON (events, idempotent replies) holding it is moved to the new address on load.</summary>
    public string BaseUrl { get; set; } = "";

    public DateTimeOffset SavedAt { get; set; }

    public string PlatformAccountId { get; set; } = "";

    /// <summary>The id sequence (<see cref="Entity.Seq"/> of the last object added).</summary>
    public long Sequence { get; set; }

    public DateTimeOffset? ClockFrozenAt { get; set; }

    public TimeSpan ClockOffset { get; set; }

    /// <summary>Every object (events included), oldest first.</summary>
    public List<Entity> Entities { get; set; } = [];

    public List<IdempotencyRecord> Idempotency { get; set; } = [];

    public WebhookSnapshot Webhooks { get; set; } = new();
}

/// <summary>
/// A stored idempotent result. A class, not a positional record: System.Text.Json cannot read reference
/// metadata (<c>$id</c>) on an object passed to a constructor, and <see cref="IdempotentResult"/> carries one.
/// </summary>
internal sealed class IdempotencyRecord
{
    public string Scope { get; set; } = "";

    public string Key { get; set; } = "";

    public required IdempotentResult Result { get; set; }
}
