using System.Security.Cryptography;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Infrastructure.Forms;

/// <summary>
/// Gives every form posted back to the site a one-time submission key (a hidden field), so that
/// <see cref="SubmissionKeyFilter"/> can tell a repeat of the same submission (a double click, a
/// form sent again after a slow answer) from a new one.
/// </summary>
[HtmlTargetElement("form", Attributes = "method")]
public sealed class SubmissionKeyTagHelper : TagHelper
{
    public const string FieldName = "__submission";

    // After the antiforgery token's own form tag helper.
    public override int Order => 1000;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var method = output.Attributes["method"]?.Value?.ToString();
        if (!string.Equals(method, "post", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        output.PostContent.AppendHtml($"<input type=\"hidden\" name=\"{FieldName}\" value=\"{key}\">");
    }
}

/// <summary>
/// Runs each submission key once. The first request with a key stores it (a unique row) before
/// the action runs; when its answer is a redirect, the row keeps where it went. A second request
/// with the same key waits for the first to finish and gets the same redirect, without running
/// the action: one post, one email, one checkout, however often the button was pressed. An answer
/// that is not a redirect (a form shown again with its errors) changed nothing, so its key is
/// released and the corrected form can be sent.
/// </summary>
public sealed class SubmissionKeyFilter(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SubmissionKeyFilter> logger) : IAsyncResourceFilter
{
    /// <summary>How long a repeat waits for the first submission's answer.</summary>
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(60);

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        // The error page re-executes a failed post with its form: that is not a new submission.
        var reExecuted = context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is not null
            || context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null;
        if (reExecuted || !HttpMethods.IsPost(request.Method) || !request.HasFormContentType)
        {
            await next();
            return;
        }

        var form = await request.ReadFormAsync(context.HttpContext.RequestAborted);
        var formKey = form[SubmissionKeyTagHelper.FieldName].ToString();
        if (formKey.Length is < 16 or > 40)
        {
            await next();
            return;
        }

        // The same form with other contents (sent again from the back button after an edit) is a
        // new submission; only the same contents again (a double click, a resend) is a repeat.
        var key = formKey + ":" + ContentFingerprint(form);

        var userId = context.HttpContext.User.IdOrNull() ?? "";
        var cancellationToken = context.HttpContext.RequestAborted;
        if (!await ClaimAsync(key, userId, request.Path, cancellationToken))
        {
            var first = await WaitForFirstAsync(key, cancellationToken);
            if (first is null)
            {
                // The first was refused or failed, so it changed nothing: this one runs as new.
                if (!await ClaimAsync(key, userId, request.Path, cancellationToken))
                {
                    context.Result = new StatusCodeResult(StatusCodes.Status409Conflict);
                    return;
                }
            }
            else if (first.UserId != userId)
            {
                context.Result = new BadRequestObjectResult("This form was sent by someone else.");
                return;
            }
            else
            {
                logger.LogInformation("Form submission {Key} to {Path} repeated; answered as the first", key, request.Path.Value);
                context.HttpContext.Response.Headers.Location = first.Location;
                context.Result = new StatusCodeResult(first.StatusCode);
                return;
            }
        }

        var completed = false;
        try
        {
            await next();
            var response = context.HttpContext.Response;
            if (response.StatusCode is >= 300 and < 400 && response.Headers.Location.Count > 0)
            {
                await CompleteAsync(key, response.StatusCode, response.Headers.Location.ToString());
                completed = true;
            }
        }
        finally
        {
            if (!completed)
            {
                await ReleaseAsync(key);
            }
        }
    }

    /// <summary>The form's fields and files, except the per-render tokens, as 16 hex digits.</summary>
    private static string ContentFingerprint(IFormCollection form)
    {
        var text = new System.Text.StringBuilder();
        foreach (var field in form.Where(f => f.Key is not (SubmissionKeyTagHelper.FieldName or "__RequestVerificationToken")).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(field.Key).Append('=').AppendJoin('\u001f', field.Value.Select(v => v ?? "")).Append('\u001e');
        }

        foreach (var file in form.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(file.Name).Append('@').Append(file.FileName).Append(':').Append(file.Length).Append('\u001e');
        }

        return Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private async Task<bool> ClaimAsync(string key, string userId, PathString path, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        db.FormSubmissions.Add(new FormSubmission
        {
            Key = key,
            UserId = userId,
            Path = path.Value is { Length: > 400 } longPath ? longPath[..400] : path.Value ?? "",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Taken by a submission of the same key a moment earlier (the unique key said so).
            if (await db.FormSubmissions.AsNoTracking().AnyAsync(s => s.Key == key, CancellationToken.None))
            {
                return false;
            }

            throw;
        }
    }

    private async Task<FormSubmission?> WaitForFirstAsync(string key, CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + WaitForFirst;
        while (true)
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
                var row = await db.FormSubmissions.AsNoTracking().SingleOrDefaultAsync(s => s.Key == key, cancellationToken);
                if (row is null || row.CompletedAt is not null)
                {
                    return row;
                }
            }

            if (clock.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"The first submission of form key {key} did not finish within {WaitForFirst.TotalSeconds:0} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private async Task CompleteAsync(string key, int statusCode, string location)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var stored = location.Length > 2000 ? location[..2000] : location;
        await db.FormSubmissions.Where(s => s.Key == key).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.CompletedAt, now).SetProperty(s => s.StatusCode, statusCode).SetProperty(s => s.Location, stored), CancellationToken.None);
    }

    private async Task ReleaseAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        await db.FormSubmissions.Where(s => s.Key == key).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>Forgets submission keys older than a day (a repeat comes within seconds; a day is plenty). Run daily by Hangfire.</summary>
public sealed class SubmissionKeyCleanup(MembershipDbContext db, TimeProvider clock)
{
    public const string RecurringJobId = "forms:submission-keys";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().UtcDateTime.AddDays(-1);
        return await db.FormSubmissions.Where(s => s.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
    }
}
