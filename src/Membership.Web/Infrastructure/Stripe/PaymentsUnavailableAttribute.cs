using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Membership.Web.Infrastructure.Stripe;

/// <summary>Stripe unreachable or paused by the circuit breaker: a clear page with 503, nothing changed.</summary>
/// (The page is Features/Shared/PaymentsUnavailable.cshtml, so any feature's action can use it.)
public sealed class PaymentsUnavailableAttribute : ExceptionFilterAttribute
{
    public override void OnException(ExceptionContext context)
    {
        if (context.Exception is not PaymentsUnavailableException)
        {
            return;
        }

        context.Result = new ViewResult
        {
            ViewName = "PaymentsUnavailable",
            StatusCode = StatusCodes.Status503ServiceUnavailable,
        };
        context.HttpContext.Response.Headers.RetryAfter = "60";
        context.ExceptionHandled = true;
    }
}
