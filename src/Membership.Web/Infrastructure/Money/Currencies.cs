using System.Collections.Frozen;

namespace Membership.Web.Infrastructure.Money;

/// <summary>
/// The ISO 4217 currencies a creator can charge in, with their minor-unit exponent.
/// Three-decimal currencies (BHD, KWD…) are left out: Stripe only takes multiples of ten
/// in them, which would make our figures disagree with Stripe's.
/// </summary>
public static class Currencies
{
    public sealed record Currency(string Code, string Name, int Exponent, string? Symbol)
    {
        /// <summary>One major unit in minor units: 100 for USD, 1 for JPY.</summary>
        public long MinorPerMajor => Exponent == 0 ? 1 : (long)Math.Pow(10, Exponent);
    }

    private static readonly Currency[] All =
    [
        new("USD", "US dollar", 2, "$"),
        new("EUR", "Euro", 2, "€"),
        new("GBP", "Pound sterling", 2, "£"),
        new("CAD", "Canadian dollar", 2, "CA$"),
        new("AUD", "Australian dollar", 2, "A$"),
        new("NZD", "New Zealand dollar", 2, "NZ$"),
        new("CHF", "Swiss franc", 2, null),
        new("SEK", "Swedish krona", 2, null),
        new("NOK", "Norwegian krone", 2, null),
        new("DKK", "Danish krone", 2, null),
        new("PLN", "Polish złoty", 2, null),
        new("CZK", "Czech koruna", 2, null),
        new("HUF", "Hungarian forint", 2, null),
        new("RON", "Romanian leu", 2, null),
        new("BGN", "Bulgarian lev", 2, null),
        new("ISK", "Icelandic króna", 0, null),
        new("JPY", "Japanese yen", 0, "¥"),
        new("KRW", "South Korean won", 0, "₩"),
        new("INR", "Indian rupee", 2, "₹"),
        new("SGD", "Singapore dollar", 2, "S$"),
        new("HKD", "Hong Kong dollar", 2, "HK$"),
        new("MXN", "Mexican peso", 2, "MX$"),
        new("BRL", "Brazilian real", 2, "R$"),
        new("ZAR", "South African rand", 2, null),
        new("ILS", "Israeli new shekel", 2, "₪"),
        new("AED", "UAE dirham", 2, null),
        new("THB", "Thai baht", 2, null),
        new("MYR", "Malaysian ringgit", 2, null),
        new("PHP", "Philippine peso", 2, "₱"),
        new("IDR", "Indonesian rupiah", 2, null),
        new("TRY", "Turkish lira", 2, null),
        new("CLP", "Chilean peso", 0, null),
        new("VND", "Vietnamese đồng", 0, "₫"),
    ];

    private static readonly FrozenDictionary<string, Currency> ByCode =
        All.ToFrozenDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<Currency> List => All;

    public static bool TryGet(string? code, out Currency currency)
    {
        if (code is not null && ByCode.TryGetValue(code.Trim(), out var found))
        {
            currency = found;
            return true;
        }

        currency = null!;
        return false;
    }

    public static Currency Get(string code) =>
        TryGet(code, out var currency) ? currency : throw new ArgumentException($"Unsupported currency '{code}'.", nameof(code));
}
