using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.Primitives;

namespace Membership.Web.Infrastructure;

/// <summary>
/// Reads a posted form before antiforgery does, so a form the site cannot take gets a 400 page
/// that says what was wrong instead of antiforgery's bare 400 ("the page may be out of date"):
/// over ASP.NET Core's limits (<c>FormOptions</c>: more than 200 fields, a field over 4 MB, …),
/// a NUL character (ASP.NET Core's form reader refuses one; PostgreSQL could not store one), or
/// a NUL in the query string or a multipart field (which the readers let through). It runs after
/// the actions' own <c>[RequestFormLimits]</c> and <c>[RequestSizeLimit]</c> (order 900) and
/// before antiforgery (1000) and model binding, so nothing is saved.
/// </summary>
public sealed class FormChecksFilter : IAsyncAuthorizationFilter, IOrderedFilter
{
    public int Order => 950;

    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        if (http.Features.Get<IExceptionHandlerFeature>() is not null || http.Features.Get<IStatusCodeReExecuteFeature>() is not null)
        {
            return; // an error page for a request that already failed: its form is not read again
        }

        IFormCollection? form = null;
        if (http.Request.HasFormContentType)
        {
            try
            {
                form = await http.Request.ReadFormAsync(http.RequestAborted);
            }
            catch (Exception exception) when (exception is InvalidDataException or BadHttpRequestException && RequestFailures.Classify(exception) is { } failure)
            {
                context.Result = Page(http, failure.StatusCode, failure.Reason);
                return;
            }
        }

        var field = FieldWithNul(http.Request.Query) ?? (form is null ? null : FieldWithNul(form));
        if (field is not null)
        {
            context.Result = Page(http, StatusCodes.Status400BadRequest,
                $"The field \"{field.Replace("\0", "", StringComparison.Ordinal)}\" contained a NUL character (\\0), which the site does not accept.");
        }
    }

    private static ViewResult Page(HttpContext http, int status, string reason) => new()
    {
        ViewName = "Error",
        StatusCode = status,
        ViewData = new ViewDataDictionary(http.RequestServices.GetRequiredService<IModelMetadataProvider>(), new ModelStateDictionary())
        {
            Model = new ErrorViewModel(status, reason),
        },
    };

    private static string? FieldWithNul(IEnumerable<KeyValuePair<string, StringValues>> fields)
    {
        foreach (var (key, values) in fields)
        {
            if (key.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
            {
                return key;
            }
        }

        return null;
    }
}
