using System.Globalization;
using System.Text;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// Stripe's form encoding: <c>a[b][0][c]=v</c> pairs parsed into a tree. Lists are nodes whose
/// keys are indexes (<c>items[0][price]</c>) or empty brackets (<c>expand[]=x</c>, appended).
/// </summary>
internal sealed class ParamNode
{
    private readonly List<KeyValuePair<string, ParamNode>> _children = [];

    public string? Value { get; private set; }

    public bool HasChildren => _children.Count > 0;

    public IEnumerable<string> Keys => _children.Select(c => c.Key);

    public IEnumerable<KeyValuePair<string, ParamNode>> Children => _children;

    public static ParamNode Parse(string? encoded)
    {
        var root = new ParamNode();
        root.AddEncoded(encoded);
        return root;
    }

    public void AddEncoded(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return;
        }

        foreach (var pair in encoded.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var rawKey = eq < 0 ? pair : pair[..eq];
            var rawValue = eq < 0 ? "" : pair[(eq + 1)..];
            Add(Decode(rawKey), Decode(rawValue));
        }
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>Adds one <c>a[b][c]=v</c> pair.</summary>
    public void Add(string key, string value)
    {
        var segments = SplitKey(key);
        if (segments.Count == 0)
        {
            return;
        }

        var node = this;
        foreach (var segment in segments)
        {
            var name = segment.Length == 0 ? node._children.Count.ToString(CultureInfo.InvariantCulture) : segment;
            var child = node.Child(name);
            if (child is null)
            {
                child = new ParamNode();
                node._children.Add(new(name, child));
            }

            node = child;
        }

        node.Value = value;
    }

    private static List<string> SplitKey(string key)
    {
        var result = new List<string>();
        var bracket = key.IndexOf('[');
        if (bracket < 0)
        {
            result.Add(key);
            return result;
        }

        result.Add(key[..bracket]);
        var i = bracket;
        while (i < key.Length && key[i] == '[')
        {
            var close = key.IndexOf(']', i);
            if (close < 0)
            {
                result.Add(key[(i + 1)..]);
                break;
            }

            result.Add(key[(i + 1)..close]);
            i = close + 1;
        }

        return result;
    }

    public ParamNode? Child(string name)
    {
        foreach (var (k, v) in _children)
        {
            if (k == name)
            {
                return v;
            }
        }

        return null;
    }

    public bool Has(string name) => Child(name) is not null;

    public ParamNode? Path(params string[] names)
    {
        ParamNode? node = this;
        foreach (var n in names)
        {
            node = node?.Child(n);
        }

        return node;
    }

    public string? Str(string name) => Child(name)?.Value;

    public string? NonEmpty(string name) => string.IsNullOrEmpty(Str(name)) ? null : Str(name);

    public long? Long(string name)
    {
        var s = Str(name);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ApiError.Invalid($"Invalid integer: {s}", name);
    }

    public decimal? Decimal(string name)
    {
        var s = Str(name);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        return decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ApiError.Invalid($"Invalid decimal: {s}", name);
    }

    public bool? Bool(string name)
    {
        var s = Str(name);
        return s switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            _ => throw ApiError.Invalid($"Invalid boolean: {s}", name),
        };
    }

    /// <summary>The children of a list node, ordered by index.</summary>
    public IReadOnlyList<ParamNode> List(string name)
    {
        var node = Child(name);
        if (node is null)
        {
            return [];
        }

        return node._children
            .Select((c, position) => (c, position))
            .OrderBy(x => int.TryParse(x.c.Key, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .ThenBy(x => x.position)
            .Select(x => x.c.Value)
            .ToList();
    }

    public IReadOnlyList<string> StrList(string name) =>
        List(name).Where(n => n.Value is not null).Select(n => n.Value!).ToList();

    /// <summary>Applies <c>metadata[k]=v</c> pairs: an empty value (or <c>metadata=</c>) deletes, like Stripe.</summary>
    public void ApplyMetadata(Dictionary<string, string> target, string name = "metadata")
    {
        var node = Child(name);
        if (node is null)
        {
            return;
        }

        if (!node.HasChildren && node.Value == "")
        {
            target.Clear();
            return;
        }

        foreach (var (k, v) in node._children)
        {
            if (string.IsNullOrEmpty(v.Value))
            {
                target.Remove(k);
            }
            else
            {
                target[k] = v.Value;
            }
        }
    }

    /// <summary>A stable text form of all pairs, used to compare idempotent requests.</summary>
    public string Fingerprint()
    {
        var pairs = new List<string>();
        Flatten("", pairs);
        pairs.Sort(StringComparer.Ordinal);
        return string.Join('&', pairs);
    }

    private void Flatten(string prefix, List<string> pairs)
    {
        if (Value is not null)
        {
            pairs.Add(prefix + "=" + Value);
        }

        foreach (var (k, v) in _children)
        {
            v.Flatten(prefix.Length == 0 ? k : prefix + "[" + k + "]", pairs);
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        var pairs = new List<string>();
        Flatten("", pairs);
        sb.AppendJoin('&', pairs);
        return sb.ToString();
    }
}
