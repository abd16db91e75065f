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
    /// Parses an amount in major units ("5", "5.5", "5.50", "5,50", "1200") into minor units of
    /// <paramref name="currencyCode"/>. One decimal separator, a point or a comma (as typed in
    /// France and Québec), with at most the currency's decimals; digit grouping ("1,200.00",
    /// "1 200", "1.200,00") is refused rather than guessed, so "5,00" can never become 500.
    /// </summary>
    public static bool TryParse(string? input, string currencyCode, out long minor, out string error)
    {
        minor = 0;
        var currency = Currencies.Get(currencyCode);
        var text = (input ?? "").Trim();
        if (currency.Symbol is not null && text.StartsWith(currency.Symbol, StringComparison.Ordinal))
        {
            text = text[currency.Symbol.Length..].Trim();
        }

        if (text.EndsWith(currency.Code, StringComparison.OrdinalIgnoreCase))
        {
            text = text[..^currency.Code.Length].Trim();
        }

        var separators = text.Count(c => c is '.' or ',');
        var separator = text.IndexOfAny(['.', ',']);
        // "1,234" (or "5.000" yen): three digits after a comma, or after any separator in a
        // currency without decimals, are how most people group thousands: refused, not guessed.
        var looksGrouped = separator >= 0 && text.Length - separator - 1 == 3 && currency.Exponent != 3
            && (text[separator] == ',' || currency.Exponent == 0) && text[(separator + 1)..].All(char.IsAsciiDigit);
        if (separators > 1 || looksGrouped || text.Any(char.IsWhiteSpace) || text.Contains('\'') || text.Contains('\u00A0') || text.Contains('\u202F'))
        {
            error = $"Write the amount without thousands separators, like {FormatForInput(120000 * currency.MinorPerMajor / 100, currency.Code)}.";
            return false;
        }

        text = text.Replace(',', '.');
        if (text.Length == 0)
        {
            error = "Enter an amount.";
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 2 && parts[1].Length == 0) || !parts.All(p => p.All(char.IsAsciiDigit)))
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
