using System.Text.Json.Nodes;

namespace Membership.StripeEmulator.Internal;

/// <summary>
/// <c>expand[]</c> as Stripe has it (https://docs.stripe.com/api/expanding_objects): only fields Stripe labels
/// "Expandable" turn from an id into the object; fields "not included by default" (a Checkout Session's
/// <c>line_items</c>, an invoice's <c>payments</c>, a charge's <c>refunds</c>) appear only when expanded; embedded
/// objects (a subscription item's <c>price</c>, an invoice's <c>parent</c>) can be passed through but not expanded
/// themselves; at most four levels (<c>data.</c> on a list counts). The table follows the Expandable fields of the
/// 2026-10-28.endive API as Stripe.net 53.1.0 models them (its <c>ExpandableField&lt;T&gt;</c> properties).
/// </summary>
internal static class Expansion
{
    public const int MaxDepth = 4;

    /// <summary>
    /// One line per object: <c>name</c> expandable (target not emulated: nothing deeper), <c>name&gt;type</c>
    /// expandable into that object, <c>name[]</c> an expandable list of ids, <c>name=type</c> embedded,
    /// <c>name+type</c> included only when expanded, <c>name{…}</c> an embedded sub-object.
    /// </summary>
    private const string Schema = """
        account:
        account_link:
        login_link:
        event:
        billing_portal.configuration: application
        billing_portal.session: configuration>billing_portal.configuration
        charge: application application_fee balance_transaction customer>customer failure_balance_transaction on_behalf_of>account payment_intent>payment_intent review source_transfer transfer transfer_data{destination>account} outcome{rule} refunds+list:refund
        checkout.session: customer>customer invoice>invoice payment_intent>payment_intent payment_link setup_intent subscription>subscription line_items+list:item discounts{coupon promotion_code} automatic_tax{liability{account>account}} shipping_cost{shipping_rate} shipping_options{shipping_rate}
        item: price=price
        customer: default_source test_clock invoice_settings{default_payment_method>payment_method}
        invoice: account_tax_ids[] application customer>customer default_payment_method>payment_method default_source discounts[] latest_revision>invoice on_behalf_of>account test_clock from_invoice{invoice>invoice} issuer{account>account} automatic_tax{liability{account>account}} parent{subscription_details{subscription>subscription}} payments+list:invoice_payment lines=list:line_item total_discount_amounts{discount} shipping_cost{shipping_rate}
        invoice_payment: invoice>invoice payment{payment_intent>payment_intent charge>charge payment_record}
        line_item: discounts[] subscription>subscription pricing{price_details{price>price}} discount_amounts{discount}
        payment_intent: application customer>customer latest_charge>charge on_behalf_of>account payment_method>payment_method payment_record review source transfer_data{destination>account}
        payment_method: customer>customer
        plan: product>product
        price: product>product
        product: default_price>price tax_code
        refund: balance_transaction charge>charge customer>customer failure_balance_transaction payment_intent>payment_intent payment_method>payment_method source_transfer_reversal transfer_reversal
        subscription: application customer>customer default_payment_method>payment_method default_source discounts[] latest_invoice>invoice on_behalf_of>account pending_setup_intent schedule test_clock items=list:subscription_item transfer_data{destination>account} automatic_tax{liability{account>account}} invoice_settings{account_tax_ids[] issuer{account>account}}
        subscription_item: discounts[] plan=plan price=price
        """;

    private enum Kind
    {
        Expandable,
        Includable,
        Embedded,
    }

    private sealed record Field(Kind Kind, string? Target);

    private static readonly Dictionary<string, Dictionary<string, Field>> Shapes = Build();

    /// <summary>The expand paths of a request as a tree: <c>a.b</c> and <c>a.c</c> share <c>a</c>.</summary>
    internal sealed class PathTree : Dictionary<string, PathTree>
    {
        public PathTree()
            : base(StringComparer.Ordinal)
        {
        }

        public static PathTree From(IEnumerable<string> paths)
        {
            var root = new PathTree();
            foreach (var path in paths)
            {
                var node = root;
                foreach (var segment in path.Split('.'))
                {
                    if (!node.TryGetValue(segment, out var child))
                    {
                        child = new PathTree();
                        node[segment] = child;
                    }

                    node = child;
                }
            }

            return root;
        }
    }

    public static bool IsKnownType(string type) => ShapeOf(type) is not null;

    /// <summary>Throws Stripe's 400 for the first path that cannot be expanded on a response of <paramref name="rootType"/> (e.g. <c>subscription</c>, <c>list:invoice</c>).</summary>
    public static void Validate(string rootType, IReadOnlyList<string> paths)
    {
        foreach (var path in paths)
        {
            var segments = path.Split('.');
            if (segments.Length > MaxDepth)
            {
                throw new ApiError(400, "invalid_request_error", $"You cannot expand more than {MaxDepth} levels of a property. Property: {path}", code: "property_expansion_max_depth");
            }

            string? type = rootType;
            for (var i = 0; i < segments.Length; i++)
            {
                var field = type is null ? null : ShapeOf(type)?.GetValueOrDefault(segments[i]);
                var last = i == segments.Length - 1;
                if (field is null || (last && field.Kind == Kind.Embedded) || (!last && field.Target is null))
                {
                    var prefix = string.Join('.', segments[..(i + 1)]);
                    var hint = i == 0 && rootType.StartsWith("list:", StringComparison.Ordinal) && ShapeOf(rootType[5..])?.ContainsKey(segments[0]) == true
                        ? $" You may want to try expanding 'data.{path}' instead."
                        : "";
                    throw new ApiError(400, "invalid_request_error", $"This property cannot be expanded ({prefix}).{hint}");
                }

                type = field.Target;
            }
        }
    }

    /// <summary>Renders an object with the fields <paramref name="tree"/> includes, then expands the paths in it.</summary>
    public static JsonObject Render(EmulatorState state, Entity entity, PathTree? tree)
    {
        var o = entity.Render(new RenderContext(state, Includes(entity.ObjectType, tree)));
        if (tree is { Count: > 0 })
        {
            Apply(state, o, entity.ObjectType, tree);
        }

        return o;
    }

    /// <summary>Applies <c>data.…</c> paths to a list whose items are <paramref name="itemType"/> objects rendered already.</summary>
    public static void ApplyToList(EmulatorState state, JsonObject list, string itemType, PathTree tree)
    {
        if (tree.GetValueOrDefault("data") is { Count: > 0 } data && list["data"] is JsonArray items)
        {
            foreach (var item in items)
            {
                Apply(state, item, itemType, data);
            }
        }
    }

    private static HashSet<string>? Includes(string type, PathTree? tree)
    {
        if (tree is null || tree.Count == 0 || ShapeOf(type) is not { } shape)
        {
            return null;
        }

        var includes = tree.Keys.Where(k => shape.GetValueOrDefault(k)?.Kind == Kind.Includable).ToHashSet(StringComparer.Ordinal);
        return includes.Count == 0 ? null : includes;
    }

    private static void Apply(EmulatorState state, JsonNode? node, string type, PathTree tree)
    {
        if (node is JsonArray array)
        {
            foreach (var element in array)
            {
                Apply(state, element, type, tree);
            }

            return;
        }

        if (node is not JsonObject obj || ShapeOf(type) is not { } shape)
        {
            return;
        }

        foreach (var (name, rest) in tree)
        {
            if (shape.GetValueOrDefault(name) is not { } field || !obj.TryGetPropertyValue(name, out var child) || child is null)
            {
                continue; // absent here (e.g. payment.charge on a payment_intent payment) or null: nothing to expand
            }

            if (field.Kind == Kind.Expandable)
            {
                var expanded = ExpandIds(state, child, field.Target, rest);
                if (!ReferenceEquals(expanded, child))
                {
                    obj[name] = expanded;
                    child = expanded;
                }
            }

            if (rest.Count > 0 && field.Target is not null)
            {
                Apply(state, child, field.Target, rest);
            }
        }
    }

    /// <summary>An id (or a list of ids) replaced by the object(s), rendered with what the rest of the path includes.</summary>
    private static JsonNode ExpandIds(EmulatorState state, JsonNode value, string? target, PathTree rest)
    {
        if (value is JsonArray ids)
        {
            for (var k = 0; k < ids.Count; k++)
            {
                if (ids[k] is { } id)
                {
                    ids[k] = ExpandIds(state, id.DeepClone(), target, rest);
                }
            }

            return ids;
        }

        if (value is JsonValue v && v.TryGetValue<string>(out var objectId) && state.Find(objectId) is { } entity)
        {
            return entity.Render(new RenderContext(state, Includes(entity.ObjectType, rest)));
        }

        return value;
    }

    private static Dictionary<string, Field>? ShapeOf(string type)
    {
        if (type.StartsWith("list:", StringComparison.Ordinal))
        {
            var item = type[5..];
            return ShapeOf(item) is null ? null : new Dictionary<string, Field>(StringComparer.Ordinal) { ["data"] = new(Kind.Embedded, item) };
        }

        return Shapes.GetValueOrDefault(type);
    }

    private static Dictionary<string, Dictionary<string, Field>> Build()
    {
        var shapes = new Dictionary<string, Dictionary<string, Field>>(StringComparer.Ordinal);
        foreach (var line in Schema.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var type = line[..colon];
            var i = colon + 1;
            ParseFields(shapes, type, line, ref i);
        }

        return shapes;
    }

    private static void ParseFields(Dictionary<string, Dictionary<string, Field>> shapes, string type, string line, ref int i)
    {
        var fields = new Dictionary<string, Field>(StringComparer.Ordinal);
        shapes[type] = fields;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
                continue;
            }

            if (line[i] == '}')
            {
                i++;
                return;
            }

            var start = i;
            while (i < line.Length && (char.IsLetterOrDigit(line[i]) || line[i] == '_'))
            {
                i++;
            }

            var name = line[start..i];
            if (i + 1 < line.Length && line[i] == '[' && line[i + 1] == ']')
            {
                i += 2;
            }

            if (i < line.Length && line[i] is '>' or '=' or '+')
            {
                var kind = line[i] switch { '>' => Kind.Expandable, '=' => Kind.Embedded, _ => Kind.Includable };
                var targetStart = ++i;
                while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '}')
                {
                    i++;
                }

                fields[name] = new Field(kind, line[targetStart..i]);
            }
            else if (i < line.Length && line[i] == '{')
            {
                i++;
                var nested = type + "." + name;
                ParseFields(shapes, nested, line, ref i);
                fields[name] = new Field(Kind.Embedded, nested);
            }
            else
            {
                fields[name] = new Field(Kind.Expandable, null);
            }
        }
    }
}
