using NetArchTest.Rules;

namespace Membership.Tests.Architecture;

/// <summary>
/// The arrows of the layout (STYLE.md): Features → Domain → Data; Features → Infrastructure; no
/// feature reaches into another; Infrastructure and Domain know no feature; the data layer knows
/// no site; only the host knows the Stripe emulator. Read from the compiled assemblies, views
/// included (Razor compiles <c>Features/Posts/Edit.cshtml</c> to <c>AspNetCoreGeneratedDocument.Features_Posts_Edit</c>).
/// </summary>
public sealed class ArchitectureTests
{
    private const string Web = "Membership.Web";
    private const string Emulator = "Membership.StripeEmulator";

    private static readonly System.Reflection.Assembly Site = typeof(Program).Assembly;

    /// <summary>Every feature folder: the first namespace segment after Features (Posts.Email is part of Posts).</summary>
    public static TheoryData<string> Features()
    {
        var data = new TheoryData<string>();
        foreach (var feature in FeatureNames())
        {
            data.Add(feature);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Features))]
    public void Feature_DependsOnNoOtherFeatureNorTheHost(string feature)
    {
        // Each other feature's types by full name (a namespace prefix would take Features.Memberships for Features.Members).
        var others = Site.GetTypes()
            .Where(t => t.DeclaringType is null && t.FullName is not null && (FeatureOf(t) is { } owner ? owner != feature : t.Namespace?.StartsWith($"{Web}.Host", StringComparison.Ordinal) == true))
            .Select(t => t.FullName!).ToArray();
        Assert.NotEmpty(others);
        AssertNone(Types.InAssembly(Site).That().ResideInNamespaceMatching($@"^{System.Text.RegularExpressions.Regex.Escape($"{Web}.Features.{feature}")}(\.|$)"), others, $"feature {feature}");
        AssertNone(Types.InAssembly(Site).That().HaveNameStartingWith($"Features_{feature}_"), others, $"views of feature {feature}");
    }

    [Fact]
    public void SharedViews_DependOnNoFeature() =>
        AssertNone(Types.InAssembly(Site).That().HaveNameStartingWith("Features_Shared_"), [$"{Web}.Features", $"{Web}.Host"], "shared views");

    [Fact]
    public void Infrastructure_DependsOnNoFeatureNorTheHost() =>
        AssertNone(Types.InAssembly(Site).That().ResideInNamespace($"{Web}.Infrastructure"), [$"{Web}.Features", $"{Web}.Host"], "Infrastructure");

    [Fact]
    public void Domain_DependsOnNoFeatureNorTheHost() =>
        AssertNone(Types.InAssembly(Site).That().ResideInNamespace($"{Web}.Domain"), [$"{Web}.Features", $"{Web}.Host"], "Domain");

    [Fact]
    public void Data_DependsOnNoSite() =>
        AssertNone(Types.InAssembly(typeof(Membership.Data.MembershipDbContext).Assembly).That().ResideInNamespace("Membership.Data"), [Web, Emulator], "Membership.Data");

    /// <summary>
    /// Only the host starts the emulator. Two places still hold it themselves and are named here
    /// until they reach it through the host: the Stripe endpoint (which starts it with the site) and
    /// the admins' Simulated payments page (which reads its clock and events).
    /// </summary>
    [Fact]
    public void Emulator_IsReachedOnlyFromTheHost()
    {
        string[] stillHoldingIt = [$"{Web}.Infrastructure.Stripe.StripeEndpoint", $"{Web}.Features.SimulatedPayments"];
        var offenders = Types.InAssembly(Site).That().DoNotResideInNamespace($"{Web}.Host")
            .Should().NotHaveDependencyOn(Emulator).GetResult().FailingTypeNames ?? [];
        Assert.DoesNotContain(offenders, name => !stillHoldingIt.Any(allowed => name.StartsWith(allowed, StringComparison.Ordinal))
            && !name.StartsWith("AspNetCoreGeneratedDocument.Features_SimulatedPayments_", StringComparison.Ordinal));
    }

    [Fact]
    public void TheRuleFails_WhenAForbiddenReferenceExists()
    {
        // Tests (this assembly) depend on features: the same rule, pointed at them, must say so.
        var result = Types.InAssembly(typeof(ArchitectureTests).Assembly).That().ResideInNamespace("Membership.Tests.Billing")
            .ShouldNot().HaveDependencyOn($"{Web}.Features.Billing").GetResult();
        Assert.False(result.IsSuccessful);
        Assert.Contains(result.FailingTypeNames, name => name.StartsWith("Membership.Tests.Billing.", StringComparison.Ordinal));
    }

    private static string? FeatureOf(Type type) =>
        type.Namespace is { } ns && ns.StartsWith($"{Web}.Features.", StringComparison.Ordinal) ? ns[$"{Web}.Features.".Length..].Split('.')[0] : null;

    private static IEnumerable<string> FeatureNames() =>
        Site.GetTypes().Select(t => t.Namespace ?? "").Where(ns => ns.StartsWith($"{Web}.Features.", StringComparison.Ordinal))
            .Select(ns => ns[$"{Web}.Features.".Length..].Split('.')[0]).Distinct().Order();

    private static void AssertNone(PredicateList types, string[] forbidden, string what)
    {
        var result = types.ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{what} must not depend on what it does ({forbidden.Length} forbidden names, e.g. {forbidden[0]}); these types do: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }
}
