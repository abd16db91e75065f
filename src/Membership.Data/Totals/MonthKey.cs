namespace Membership.Data.Totals;

/// <summary>Calendar months (UTC) as the totals tables store them: year × 100 + month.</summary>
public static class MonthKey
{
    public static int Of(DateTime instant) => instant.Year * 100 + instant.Month;

    public static int Of(DateOnly day) => day.Year * 100 + day.Month;

    public static int Of(int year, int month) => year * 100 + month;

    public static DateOnly ToDate(int key) => new(key / 100, key % 100, 1);
}
