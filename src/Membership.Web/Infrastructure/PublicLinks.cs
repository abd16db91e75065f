using Microsoft.Extensions.Options;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Absolute links for emails. With <c>App:BaseUrl</c> set they never depend on the Host
/// header, so a forged Host cannot plant an attacker's address in a reset email.
/// </summary>
public sealed class PublicLinks(IOptions<AppSettings> settings, IHttpContextAccessor httpContextAccessor)
{
    public string Absolute(string pathAndQuery)
    {
        var baseUrl = settings.Value.BaseUrl;
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            var request = httpContextAccessor.HttpContext?.Request
                ?? throw new InvalidOperationException("App:BaseUrl must be set to build links outside a request.");
            baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        }

        return baseUrl.TrimEnd('/') + "/" + pathAndQuery.TrimStart('/');
    }
}
