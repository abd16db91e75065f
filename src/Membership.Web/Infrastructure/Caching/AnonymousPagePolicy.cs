using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Membership.Web.Infrastructure.Caching;

/// <summary>
/// Which responses the public-page cache may store and serve. The rule is that one person's page
/// never reaches another: only anonymous GET/HEAD requests use the cache (a request carrying the
/// sign-in cookie, an Authorization header or a one-time notice never does, even when the cookie
/// no longer signs anyone in), and only a plain 200 is stored: not one that sets a cookie, not one
/// that carries an antiforgery token (antiforgery marks those <c>no-store</c>; anonymous pages
/// offer links instead of forms for that reason), not one whose request ended signed in, and not
/// one its action did not tag with its creator (so every stored page can be evicted). Pages vary
/// by path and the <c>page</c> query key only, so made-up query strings cannot fill the cache.
/// </summary>
internal sealed class AnonymousPagePolicy(TimeSpan duration) : IOutputCachePolicy
{
    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var usable = duration > TimeSpan.Zero && IsAnonymousRead(http);
        context.EnableOutputCaching = usable;
        context.AllowCacheLookup = usable;
        context.AllowCacheStorage = usable;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = duration;
        context.CacheVaryByRules.QueryKeys = "page";
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        var noStore = response.Headers.CacheControl.Any(v => v is not null && v.Contains("no-store", StringComparison.OrdinalIgnoreCase));
        if (response.StatusCode != StatusCodes.Status200OK
            || !StringValues.IsNullOrEmpty(response.Headers.SetCookie)
            || noStore
            || context.HttpContext.User.Identity?.IsAuthenticated == true
            || !context.Tags.Any(t => t.StartsWith(PublicPageCache.TagPrefix, StringComparison.Ordinal)))
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsAnonymousRead(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        if (http.User.Identity?.IsAuthenticated == true || !StringValues.IsNullOrEmpty(request.Headers.Authorization))
        {
            return false;
        }

        var services = http.RequestServices;
        var signIn = services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).Cookie.Name;
        var notice = services.GetRequiredService<IOptions<CookieTempDataProviderOptions>>().Value.Cookie.Name;
        return !(signIn is not null && request.Cookies.ContainsKey(signIn))
            && !(notice is not null && request.Cookies.ContainsKey(notice));
    }
}
