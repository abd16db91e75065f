using System.Security.Claims;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Membership.Data;
using Membership.Data.Entities;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Infrastructure.Security;

/// <summary>
/// Keeps sign-ins in the database (<see cref="UserSession"/>): the <c>membership.auth</c> cookie
/// carries only a random key, every node finds the sign-in by it, and signing out deletes the row,
/// so a copied cookie stops working at once. The ticket is protected at rest with the site's
/// data-protection keys (shared by every node). The current request's session id is left in
/// <see cref="HttpContext.Items"/> for "this one" in settings (<see cref="CurrentSessionId"/>).
/// </summary>
public sealed class DatabaseTicketStore(
    IServiceScopeFactory scopes,
    IDataProtectionProvider protection,
    TimeProvider clock,
    IOptions<SecuritySettings> settings,
    ILogger<DatabaseTicketStore> logger) : ITicketStore
{
    private const string CurrentSessionItem = "membership.session";

    private const string UnreadableItem = "membership.session.unreadable";

    private readonly IDataProtector _protector = protection.CreateProtector("Membership.Sessions.Ticket.v1");

    /// <summary>The id of the session this request is signed in with, if any.</summary>
    public static Guid? CurrentSessionId(HttpContext context) =>
        context.Items.TryGetValue(CurrentSessionItem, out var id) && id is Guid guid ? guid : null;

    /// <summary>
    /// After authentication: when the database could not be read for this request's session and
    /// the page needs a signed-in person, the request fails with that error (a 503 "try again",
    /// as any request would), not with a redirect to sign in. Pages anyone may open (the health
    /// checks, the error page re-executed for the failure) go on as for a visitor.
    /// </summary>
    public static void ThrowIfSessionUnreadable(HttpContext context)
    {
        if (context.Items.TryGetValue(UnreadableItem, out var failure) && failure is ExceptionDispatchInfo error
            && context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>() is null
            && context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null)
        {
            error.Throw();
        }
    }

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, null!, CancellationToken.None);

    public Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken) => StoreAsync(ticket, null!, cancellationToken);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var session = new UserSession
        {
            Id = Guid.NewGuid(),
            KeyHash = Hash(key),
            UserId = UserIdOf(ticket),
            Ticket = Protect(ticket),
            Device = DeviceNames.FromUserAgent(httpContext?.Request.Headers.UserAgent.ToString()),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = ExpiresAt(ticket, now),
        };
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
            db.UserSessions.Add(session);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (httpContext is not null)
        {
            httpContext.Items[CurrentSessionItem] = session.Id;
        }

        logger.LogInformation("Session {SessionId} started for {UserId} on {Device}", session.Id, session.UserId, session.Device);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, null!, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken) => RenewAsync(key, ticket, null!, cancellationToken);

    /// <summary>
    /// A sliding refresh, or a sign-in (password change, another sign-in) on a browser already
    /// holding a session. Only a session still in the table is renewed: one ended on another
    /// device in the meantime stays ended.
    /// </summary>
    public async Task RenewAsync(string key, AuthenticationTicket ticket, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = Hash(key);
        var protectedTicket = Protect(ticket);
        var userId = UserIdOf(ticket);
        var expiresAt = ExpiresAt(ticket, now);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        await db.UserSessions.Where(s => s.KeyHash == hash).ExecuteUpdateAsync(
            set => set
                .SetProperty(s => s.Ticket, protectedTicket)
                .SetProperty(s => s.UserId, userId)
                .SetProperty(s => s.ExpiresAt, expiresAt)
                .SetProperty(s => s.LastSeenAt, now),
            cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, null!, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken) => RetrieveAsync(key, null!, cancellationToken);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(key, httpContext, cancellationToken);
        }
        catch (Exception exception) when (httpContext is not null && RequestFailures.Classify(exception) is { StatusCode: StatusCodes.Status503ServiceUnavailable })
        {
            // Thrown here, the error would be cached by the cookie handler and thrown again on the
            // error page; kept instead, and thrown once after authentication (ThrowIfSessionUnreadable).
            httpContext.Items[UnreadableItem] = ExceptionDispatchInfo.Capture(exception);
            return null;
        }
    }

    private async Task<AuthenticationTicket?> ReadAsync(string key, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = Hash(key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        var session = await db.UserSessions.AsNoTracking()
            .Where(s => s.KeyHash == hash)
            .Select(s => new { s.Id, s.Ticket, s.LastSeenAt, s.ExpiresAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (session is null || session.ExpiresAt <= now)
        {
            return null;
        }

        AuthenticationTicket? ticket;
        try
        {
            ticket = TicketSerializer.Default.Deserialize(_protector.Unprotect(session.Ticket));
        }
        catch (CryptographicException exception)
        {
            // Its key was revoked or lost: the person signs in again.
            logger.LogWarning(exception, "Session {SessionId} could not be read", session.Id);
            return null;
        }

        // Last seen to within a few minutes: no write on every request.
        if (now - session.LastSeenAt >= TimeSpan.FromMinutes(settings.Value.SessionLastSeenMinutes))
        {
            await db.UserSessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(set => set.SetProperty(s => s.LastSeenAt, now), cancellationToken);
        }

        if (httpContext is not null)
        {
            httpContext.Items[CurrentSessionItem] = session.Id;
        }

        return ticket;
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, null!, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) => RemoveAsync(key, null!, cancellationToken);

    public async Task RemoveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var hash = Hash(key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MembershipDbContext>();
        await db.UserSessions.Where(s => s.KeyHash == hash).ExecuteDeleteAsync(cancellationToken);
        httpContext?.Items.Remove(CurrentSessionItem);
    }

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    private DateTime ExpiresAt(AuthenticationTicket ticket, DateTime now) =>
        ticket.Properties.ExpiresUtc?.UtcDateTime ?? now.AddDays(settings.Value.SessionDays);

    private static string UserIdOf(AuthenticationTicket ticket) =>
        ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("A sign-in without a user id.");

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
