using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// The <c>auth</c> rate-limit policy on the forms attackers hammer (sign-in, sign-up, magic
/// link, password reset): a fixed window per client IP; over it, 429 with Retry-After.
/// </summary>
public static class AuthRateLimiting
{
    public const string Policy = "auth";

    public static IServiceCollection AddAuthRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection("Security").Get<SecuritySettings>() ?? new SecuritySettings();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.AuthRateLimitPermits,
                    Window = TimeSpan.FromSeconds(settings.AuthRateLimitWindowSeconds),
                    QueueLimit = 0,
                }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? (int)Math.Ceiling(retryAfter.TotalSeconds)
                    : settings.AuthRateLimitWindowSeconds;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync(
                    $"Too many attempts from your address. Try again in {seconds} seconds.", cancellationToken);
            };
        });
        return services;
    }
}
