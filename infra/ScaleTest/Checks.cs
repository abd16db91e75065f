namespace Membership.ScaleTest;

/// <summary>The test's verdicts, printed one per line: PASS or FAIL, the check, what was seen.</summary>
internal sealed class Checks
{
    private readonly List<(string Name, bool Passed, string Detail)> _checks = [];

    public bool AllPassed => _checks.Count > 0 && _checks.All(c => c.Passed);

    public void Add(string name, bool passed, string detail) => _checks.Add((name, passed, detail));

    public void Print()
    {
        foreach (var (name, passed, detail) in _checks)
        {
            Console.WriteLine($"{(passed ? "PASS" : "FAIL")}  {name}{(detail.Length > 0 ? $"  ({detail})" : "")}");
        }

        Console.WriteLine($"scale test: {_checks.Count(c => c.Passed)} of {_checks.Count} checks passed");
    }
}
