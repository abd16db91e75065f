namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// Response headers every page carries: a Content-Security-Policy that allows only our own
/// scripts, styles and forms (no inline script), and the usual anti-sniffing and framing guards.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
        "media-src 'self' https:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The policy with Stripe's hosted pages (Checkout, billing portal, onboarding) added to
    /// <c>form-action</c>: browsers apply it to the redirect after a form post too.
    /// </summary>
    public static string PolicyFor(string stripePageSources) =>
        ContentSecurityPolicy.Replace("form-action 'self'", $"form-action 'self' {stripePageSources}", StringComparison.Ordinal);

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var policy = PolicyFor(app.ApplicationServices.GetRequiredService<Stripe.StripeEndpoint>().HostedPageSources);
        return app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                // A response with a token in its address (a signed file link) sets "no-referrer" itself.
                if (!headers.ContainsKey("Referrer-Policy"))
                {
                    headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                }

                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                return Task.CompletedTask;
            });
            await next();
        });
    }
}
