using System.Globalization;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// The parameters one endpoint accepts, written compactly: <c>name</c> a scalar, <c>name[]</c> a list of
/// scalars, <c>name{a b}</c> a hash with those keys, <c>name[]{a b}</c> a list of hashes, and <c>*</c> any key
/// (<c>metadata{*}</c>, <c>capabilities{*{requested}}</c>). Anything else is refused as Stripe refuses it:
/// 400 <c>parameter_unknown</c>, "Received unknown parameter: line_items[0][foo]"
/// (https://docs.stripe.com/error-codes/parameter-unknown).
/// </summary>
internal sealed class ParamSpec
{
    private enum Shape
    {
        Scalar,
        List,
        Hash,
        ListOfHashes,
    }

    private sealed record Field(Shape Shape, ParamSpec? Children);

    private readonly Dictionary<string, Field> _fields = new(StringComparer.Ordinal);
    private Field? _any;

    private ParamSpec()
    {
    }

    /// <summary>Every parameter name this spec accepts at the top level (for the control endpoint).</summary>
    public IEnumerable<string> Names => _fields.Keys;

    public static ParamSpec Parse(string spec)
    {
        var i = 0;
        var result = ParseFields(spec, ref i);
        if (i < spec.Length)
        {
            throw new FormatException($"Unbalanced '}}' at {i} in parameter spec: {spec}");
        }

        return result;
    }

    private static ParamSpec ParseFields(string spec, ref int i)
    {
        var result = new ParamSpec();
        while (true)
        {
            while (i < spec.Length && char.IsWhiteSpace(spec[i]))
            {
                i++;
            }

            if (i >= spec.Length || spec[i] == '}')
            {
                return result;
            }

            var start = i;
            while (i < spec.Length && (char.IsLetterOrDigit(spec[i]) || spec[i] is '_' or '*' or '.'))
            {
                i++;
            }

            var name = spec[start..i];
            if (name.Length == 0)
            {
                throw new FormatException($"Expected a parameter name at {i} in: {spec}");
            }

            var list = false;
            if (i + 1 < spec.Length && spec[i] == '[' && spec[i + 1] == ']')
            {
                list = true;
                i += 2;
            }

            ParamSpec? children = null;
            if (i < spec.Length && spec[i] == '{')
            {
                i++;
                children = ParseFields(spec, ref i);
                if (i >= spec.Length || spec[i] != '}')
                {
                    throw new FormatException($"Missing '}}' in parameter spec: {spec}");
                }

                i++;
            }

            var field = new Field(
                children is null ? (list ? Shape.List : Shape.Scalar) : (list ? Shape.ListOfHashes : Shape.Hash),
                children);
            if (name == "*")
            {
                result._any = field;
            }
            else
            {
                result._fields[name] = field;
            }
        }
    }

    /// <summary>Throws Stripe's 400 for the first parameter this endpoint does not accept.</summary>
    public void Validate(ParamNode root) => CheckHash(root, this, "");

    private static string Name(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}[{key}]";

    private static ApiError Unknown(string name) =>
        new(400, "invalid_request_error", $"Received unknown parameter: {name}", name, "parameter_unknown");

    private static void CheckHash(ParamNode node, ParamSpec spec, string prefix)
    {
        foreach (var (key, child) in node.Children)
        {
            var name = Name(prefix, key);
            var field = spec._fields.GetValueOrDefault(key) ?? spec._any ?? throw Unknown(name);
            Check(child, field, name);
        }
    }

    private static void Check(ParamNode node, Field field, string name)
    {
        switch (field.Shape)
        {
            case Shape.Scalar:
                if (node.HasChildren)
                {
                    throw Unknown(Name(name, node.Keys.First()));
                }

                return;
            case Shape.Hash:
                if (!node.HasChildren)
                {
                    // An empty value clears a hash (metadata=) in Stripe's encoding.
                    if (!string.IsNullOrEmpty(node.Value))
                    {
                        throw ApiError.Invalid("Invalid hash", name);
                    }

                    return;
                }

                CheckHash(node, field.Children!, name);
                return;
            default:
                if (!node.HasChildren)
                {
                    if (!string.IsNullOrEmpty(node.Value))
                    {
                        throw ApiError.Invalid("Invalid array", name);
                    }

                    return;
                }

                foreach (var (index, element) in node.Children)
                {
                    if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        throw ApiError.Invalid("Invalid array", name);
                    }

                    Check(element, new Field(field.Shape == Shape.List ? Shape.Scalar : Shape.Hash, field.Children), Name(name, index));
                }

                return;
        }
    }
}
