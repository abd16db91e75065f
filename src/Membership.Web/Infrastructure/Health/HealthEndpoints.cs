using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Membership.Web.Infrastructure.Health;

/// <summary>
/// <c>/healthz</c>: live (the process answers; no dependency is asked, so a database outage does
/// not get every node restarted). <c>/healthz/ready</c>: ready for traffic — 503 when the
/// database does not answer; 200 with "Degraded" when SMTP, Stripe or the upload storage cannot
/// be reached (the site still serves, and that work waits); the body lists each check.
/// <c>/ping</c>: a tiny text answer with no database, the baseline the page benchmark
/// (infra/bench/pages) compares pages with.
/// </summary>
public static class HealthEndpoints
{
    public const string Ready = "ready";

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteAsync,
        }).DisableRateLimiting();
        app.MapGet("/ping", () => "pong").DisableRateLimiting();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
