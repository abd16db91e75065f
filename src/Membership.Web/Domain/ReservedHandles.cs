using System.Collections.Frozen;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Membership.Web.Domain;

/// <summary>
/// The first path segment of every address the site answers itself, read from the running app
/// rather than remembered: each endpoint's route (MVC attribute routes, the health checks,
/// <c>/ping</c>, the jobs dashboard) and each top-level entry of the web root (<c>css</c>,
/// <c>js</c>, <c>lib</c>, <c>favicon.ico</c> and its stem). A handle equal to one of them would give
/// a page nobody can reach, so a route added later is refused as a handle without a list to update.
/// </summary>
public sealed class ReservedHandles(EndpointDataSource endpoints, IWebHostEnvironment environment)
{
    // Read on first use: by then every endpoint is mapped (the app is serving requests).
    private readonly Lazy<FrozenSet<string>> _words = new(() => Read(endpoints, environment));

    /// <summary>The site's own first segments, lower case.</summary>
    public IReadOnlySet<string> RouteWords => _words.Value;

    /// <summary>The literal first segment of each endpoint's route ("" for the front page; parameters such as <c>{handle}</c> left out).</summary>
    public static IEnumerable<string> FirstRouteSegments(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.PathSegments.Count == 0 ? null : e.RoutePattern.PathSegments[0])
            .Where(s => s is { IsSimple: true } && s.Parts[0] is RoutePatternLiteralPart)
            .Select(s => ((RoutePatternLiteralPart)s!.Parts[0]).Content)
            .Distinct(StringComparer.OrdinalIgnoreCase);

    private static FrozenSet<string> Read(EndpointDataSource endpoints, IWebHostEnvironment environment)
    {
        var names = FirstRouteSegments(endpoints).ToList();
        names.AddRange(environment.WebRootFileProvider.GetDirectoryContents("").Select(entry => entry.Name));
        return names
            .SelectMany(name => new[] { name, name.Split('.')[0] }) // "favicon.ico" keeps "favicon" too
            .Select(name => name.ToLowerInvariant())
            .Where(name => name.Length > 0)
            .ToFrozenSet(StringComparer.Ordinal);
    }
}
