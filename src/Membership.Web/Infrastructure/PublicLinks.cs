using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Absolute links for emails, from <c>App:BaseUrl</c>, so a forged Host header cannot plant an
/// attacker's address in a reset email. The site refuses to start without it outside
/// Development; in Development the request (or the listening address) stands in.
/// </summary>
public sealed class PublicLinks(IOptions<AppSettings> settings, IHttpContextAccessor httpContextAccessor, IServer server)
{
    public string Absolute(string pathAndQuery)
    {
        var baseUrl = settings.Value.BaseUrl;
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            var request = httpContextAccessor.HttpContext?.Request;
            baseUrl = request is not null
                ? $"{request.Scheme}://{request.Host}{request.PathBase}"
                // A background job on a site without App:BaseUrl: the address it listens on (fine on one machine).
                : server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("Set App:BaseUrl: links in emails sent by jobs need the site's public address.");
        }

        return baseUrl.TrimEnd('/') + "/" + pathAndQuery.TrimStart('/');
    }
}
