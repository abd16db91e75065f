using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// With <c>Security:RequireHttps</c> on (the default outside Development) every cookie is
/// Secure-only, antiforgery's included, so a request that reaches the site over plain HTTP (no
/// TLS here, and no trusted proxy saying the client used HTTPS) can neither show nor post a form:
/// ASP.NET Core throws, which was a bare 500. This names the settings instead: a warning at
/// start-up when the site listens that way, and a 400 page (<c>Home/PlainHttp</c>) for the request.
/// </summary>
public static class PlainHttp
{
    /// <summary>
    /// True when requests will arrive over plain HTTP while HTTPS is required: the site listens on
    /// http only (with an https address too, plain HTTP is redirected) and trusts no proxy to say
    /// the client used HTTPS.
    /// </summary>
    public static bool RefusesForms(bool requireHttps, SecuritySettings security, IEnumerable<string> addresses)
    {
        var listening = addresses.ToList();
        return requireHttps
            && security.KnownProxies.Length == 0
            && listening.Any(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            && !listening.Any(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Logs a warning once the site listens, if <see cref="RefusesForms"/>.</summary>
    public static void WarnWhenListeningOnPlainHttp(this WebApplication app, bool requireHttps, SecuritySettings security)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (RefusesForms(requireHttps, security, addresses))
            {
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PlainHttp)).LogWarning(
                    "Security:RequireHttps is on, but the site listens on plain HTTP ({Addresses}) and Security:KnownProxies is empty: " +
                    "requests arriving over HTTP cannot use any form (sign-in, sign-up) and get an error page naming these settings. " +
                    "Behind a reverse proxy that terminates TLS, list its IP address in Security:KnownProxies (Security__KnownProxies__0); " +
                    "to serve plain HTTP on purpose, set Security:RequireHttps=false",
                    string.Join(", ", addresses));
            }
        });
    }

    /// <summary>True when <paramref name="error"/> is antiforgery refusing a plain-HTTP request because its cookie is Secure-only.</summary>
    public static bool IsCause(HttpContext context, Exception? error) =>
        error is InvalidOperationException { Source: "Microsoft.AspNetCore.Antiforgery" } && !context.Request.IsHttps;
}
