using System.Globalization;
using System.Numerics;

namespace Membership.Web.Infrastructure.Money;

/// <summary>Turns minor units into text and typed prices into minor units, exactly (no floating point).</summary>
public static class MoneyFormat
{
    /// <summary>"$5.00", "€1,200.50", "¥500", "5.00 CHF".</summary>
    public static string Format(long minor, string currencyCode)
    {
        var currency = Currencies.Get(currencyCode);
        var amount = FormatAmount(minor, currency);
        return currency.Symbol is null ? $"{amount} {currency.Code}" : $"{currency.Symbol}{amount}";
    }

    /// <summary>The amount alone, as a person would type it back into a form: "5.00", "1200.50".</summary>
    public static string FormatForInput(long minor, string currencyCode)
    {
        var currency = Currencies.Get(currencyCode);
        var whole = BigInteger.DivRem(minor, currency.MinorPerMajor, out var fraction);
        return currency.Exponent == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : $"{whole}.{BigInteger.Abs(fraction).ToString(CultureInfo.InvariantCulture).PadLeft(currency.Exponent, '0')}";
    }

    private static string FormatAmount(long minor, Currencies.Currency currency)
    {
        var sign = minor < 0 ? "-" : "";
        var absolute = BigInteger.Abs(minor);
        var whole = BigInteger.DivRem(absolute, currency.MinorPerMajor, out var fraction);
        var wholeText = whole.ToString("N0", CultureInfo.InvariantCulture);
        return currency.Exponent == 0
            ? sign + wholeText
            : $"{sign}{wholeText}.{fraction.ToString(CultureInfo.InvariantCulture).PadLeft(currency.Exponent, '0')}";
    }

    /// <summary>
    /// Parses "5", "5.5", "5.50" or "1,200.00" in major units into minor units of
    /// <paramref name="currencyCode"/>. Rejects more decimals than the currency has.
    /// </summary>
    public static bool TryParse(string? input, string currencyCode, out long minor, out string error)
    {
        minor = 0;
        var currency = Currencies.Get(currencyCode);
        var text = (input ?? "").Trim().Replace(",", "", StringComparison.Ordinal);
        if (currency.Symbol is not null && text.StartsWith(currency.Symbol, StringComparison.Ordinal))
        {
            text = text[currency.Symbol.Length..].Trim();
        }

        if (text.Length == 0)
        {
            error = "Enter an amount.";
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts.All(p => p.All(char.IsAsciiDigit)))
        {
            error = $"Enter an amount like {FormatForInput(500 * currency.MinorPerMajor / 100, currency.Code)}.";
            return false;
        }

        var fractionText = parts.Length == 2 ? parts[1] : "";
        if (fractionText.Length > currency.Exponent)
        {
            error = currency.Exponent == 0
                ? $"{currency.Code} amounts have no decimals."
                : $"{currency.Code} amounts have at most {currency.Exponent} decimals.";
            return false;
        }

        if (parts[0].TrimStart('0').Length > 12)
        {
            error = "That amount is too large.";
            return false;
        }

        var whole = long.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture);
        var fraction = fractionText.Length == 0 ? 0 : long.Parse(fractionText.PadRight(currency.Exponent, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        minor = (whole * currency.MinorPerMajor) + fraction;
        error = "";
        return true;
    }
}
