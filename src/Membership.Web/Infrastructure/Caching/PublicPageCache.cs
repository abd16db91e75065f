using System.Globalization;
using Microsoft.AspNetCore.OutputCaching;

namespace Membership.Web.Infrastructure.Caching;

/// <summary>
/// The server's output cache of the pages anonymous visitors read: a creator's page, a post, a
/// locked post's teaser (<see cref="AnonymousPagePolicy"/> decides what may be stored and served).
/// Each stored page is tagged with its creator; whatever changes what those pages show (the
/// page's settings, a tier, a post, its files, a publication, scheduled ones included) evicts the
/// creator's pages at once on this node. Each node keeps its own cache in memory, safe to lose:
/// another node sees the change when its copy expires, after <c>Cache:PublicPageSeconds</c> at
/// most — the staleness bound, also for member counts and places left, which are not evicted.
/// </summary>
public sealed class PublicPageCache(IOutputCacheStore store)
{
    public const string PolicyName = "AnonymousPublicPage";

    public const string TagPrefix = "creator:";

    /// <summary>The tag every stored page of the creator carries.</summary>
    public static string Tag(int creatorId) => TagPrefix + creatorId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Marks the response being built as a page of <paramref name="creatorId"/>, so an edit can
    /// evict it. The policy stores no page without this tag, so nothing unevictable is kept.
    /// </summary>
    public static void TagCreator(HttpContext context, int creatorId) =>
        context.Features.Get<IOutputCacheFeature>()?.Context.Tags.Add(Tag(creatorId));

    /// <summary>Drops every stored page of the creator on this node; call it after the change is saved.</summary>
    public ValueTask EvictAsync(int creatorId, CancellationToken cancellationToken = default) =>
        store.EvictByTagAsync(Tag(creatorId), cancellationToken);
}

/// <summary>Registers the output cache with the anonymous-page policy; <c>Cache:PublicPageSeconds</c> = 0 turns it off.</summary>
public static class PublicPageCacheSetup
{
    public static IServiceCollection AddPublicPageCache(this IServiceCollection services, IConfiguration configuration)
    {
        var seconds = configuration.GetValue("Cache:PublicPageSeconds", 30);
        if (seconds is < 0 or > 3600)
        {
            throw new InvalidOperationException($"Cache:PublicPageSeconds must be from 0 (off) to 3600; it is {seconds}.");
        }

        services.AddOutputCache(options => options.AddPolicy(PublicPageCache.PolicyName, new AnonymousPagePolicy(TimeSpan.FromSeconds(seconds))));
        services.AddSingleton<PublicPageCache>();
        return services;
    }
}
