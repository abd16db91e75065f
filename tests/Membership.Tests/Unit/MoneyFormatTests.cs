using Membership.Web.Infrastructure.Money;

namespace Membership.Tests.Unit;

public sealed class MoneyFormatTests
{
    [Theory]
    [InlineData("5", "USD", 500)]
    [InlineData("5.5", "USD", 550)]
    [InlineData("5.05", "USD", 505)]
    [InlineData("$1200.00", "USD", 120000)]
    // A decimal comma, as typed in France and Québec: never a thousands separator.
    [InlineData("5,00", "EUR", 500)]
    [InlineData("5,5", "CAD", 550)]
    [InlineData("12,34 EUR", "EUR", 1234)]
    [InlineData("0,01", "USD", 1)]
    [InlineData(" 0.01 ", "EUR", 1)]
    [InlineData("500", "JPY", 500)]
    [InlineData("007", "GBP", 700)]
    public void TryParse_ValidAmount_GivesExactMinorUnits(string input, string currency, long expected)
    {
        Assert.True(MoneyFormat.TryParse(input, currency, out var minor, out var error), error);
        Assert.Equal(expected, minor);
    }

    [Theory]
    [InlineData("", "Enter an amount.")]
    [InlineData("abc", "Enter an amount like")]
    [InlineData("-1", "Enter an amount like")]
    [InlineData("1.2.3", "without thousands separators")]
    [InlineData("1e5", "Enter an amount like")]
    [InlineData("1.2345", "at most 2 decimals")]
    [InlineData("9999999999999", "too large")]
    // Grouped digits are refused, not guessed: "1,234" is not 1234 and not 1.234.
    [InlineData("1,200.00", "without thousands separators")]
    [InlineData("1.200,00", "without thousands separators")]
    [InlineData("1 200", "without thousands separators")]
    [InlineData("1'200", "without thousands separators")]
    [InlineData("1,234", "without thousands separators")]
    [InlineData("1.234", "at most 2 decimals")]
    [InlineData("1,2345", "at most 2 decimals")]
    [InlineData("5,", "Enter an amount like")]
    public void TryParse_BadAmount_SaysWhy(string input, string message)
    {
        Assert.False(MoneyFormat.TryParse(input, "USD", out _, out var error));
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData(500, "USD", "$5.00")]
    [InlineData(123456789, "EUR", "€1,234,567.89")]
    [InlineData(500, "JPY", "¥500")]
    [InlineData(1999, "CHF", "19.99 CHF")]
    [InlineData(-250, "USD", "$-2.50")]
    public void Format_GivesCurrencyText(long minor, string currency, string expected) =>
        Assert.Equal(expected, MoneyFormat.Format(minor, currency));

    [Theory]
    [InlineData(500, "USD", "5.00")]
    [InlineData(5, "USD", "0.05")]
    [InlineData(500, "JPY", "500")]
    public void FormatForInput_RoundTripsThroughTryParse(long minor, string currency, string text)
    {
        Assert.Equal(text, MoneyFormat.FormatForInput(minor, currency));
        Assert.True(MoneyFormat.TryParse(text, currency, out var parsed, out _));
        Assert.Equal(minor, parsed);
    }
}
