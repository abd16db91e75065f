using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Membership.Web.Features.Account;

/// <summary>Sign up, confirm, sign in (password or email link), sign out, reset, settings.</summary>
[Route("account")]
public sealed class AccountController(UserManager<AppUser> users, SignInManager<AppUser> signIn) : Controller
{
    [HttpGet("sign-up")]
    public IActionResult SignUp(string? returnUrl) => View(new SignUpRequest { ReturnUrl = returnUrl });

    [HttpPost("sign-up")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> SignUp(SignUpRequest request, [FromServices] SignUpHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        var errors = await handler.HandleAsync(request);
        if (errors.Any)
        {
            errors.CopyTo(ModelState);
            return View(request);
        }

        return View("CheckEmail", new CheckEmailViewModel(request.Email.Trim(), CheckEmailReason.Confirm));
    }

    [HttpGet("confirm-email")]
    public async Task<IActionResult> ConfirmEmail(string? userId, string? code, [FromServices] AdminRole adminRole, [FromServices] MagicLinkHandler magicLinks)
    {
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        var token = AccountEmails.Decode(code);
        var confirmed = user is not null && token is not null && (await users.ConfirmEmailAsync(user, token)).Succeeded;
        if (!confirmed)
        {
            return View(new ConfirmEmailViewModel(false, null));
        }

        await adminRole.GrantIfDueAsync(user!);
        // One press signs them in: confirming the address was the proof.
        return View(new ConfirmEmailViewModel(true, await magicLinks.IssueAsync(user!)));
    }

    [HttpGet("resend-confirmation")]
    public IActionResult ResendConfirmation() => View(new ResendConfirmationRequest());

    [HttpPost("resend-confirmation")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> ResendConfirmation(ResendConfirmationRequest request, [FromServices] SignUpHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        await handler.ResendConfirmationAsync(request);
        return View("CheckEmail", new CheckEmailViewModel(request.Email.Trim(), CheckEmailReason.Confirm));
    }

    [HttpGet("sign-in")]
    public IActionResult SignIn(string? returnUrl) => View(new SignInRequest { ReturnUrl = returnUrl });

    [HttpPost("sign-in")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> SignIn(SignInRequest request, [FromServices] SignInHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        var errors = await handler.HandleAsync(request);
        if (!errors.Any)
        {
            return LocalRedirectOrHome(request.ReturnUrl);
        }

        errors.CopyTo(ModelState);
        ViewData["SignInFailed"] = true;
        request.Password = "";
        return View(request);
    }

    /// <summary>The WebAuthn options for "Sign in with a passkey" (passkeys.js asks for them).</summary>
    [HttpPost("passkeys/request-options")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> PasskeyRequestOptions([FromServices] PasskeysHandler passkeys) =>
        Content(await passkeys.RequestOptionsAsync(), "application/json");

    [HttpPost("passkey-sign-in")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> PasskeySignIn(string? credential, string? returnUrl, [FromServices] PasskeysHandler passkeys)
    {
        if (await passkeys.SignInAsync(credential))
        {
            return LocalRedirectOrHome(returnUrl);
        }

        ModelState.AddModelError("", "That passkey did not sign you in. Try again, or use your password or an emailed link.");
        return View(nameof(SignIn), new SignInRequest { ReturnUrl = returnUrl });
    }

    [HttpGet("magic-link")]
    public IActionResult MagicLink(string? returnUrl) => View(new MagicLinkRequest { ReturnUrl = returnUrl });

    [HttpPost("magic-link")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> MagicLink(MagicLinkRequest request, [FromServices] MagicLinkHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        await handler.SendAsync(request);
        return View("CheckEmail", new CheckEmailViewModel(request.Email.Trim(), CheckEmailReason.MagicLink));
    }

    /// <summary>
    /// The link in the email lands on a page with a button: a GET must not spend the token,
    /// or mail scanners that open links would sign in (and burn the link) before the person.
    /// </summary>
    [HttpGet("magic")]
    public IActionResult Magic(string? token, string? returnUrl) => View(new MagicLinkRedeemViewModel(token ?? "", returnUrl));

    [HttpPost("magic")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> RedeemMagic(string? token, string? returnUrl, [FromServices] MagicLinkHandler handler, [FromServices] AdminRole adminRole)
    {
        var user = await handler.RedeemAsync(token);
        if (user is null)
        {
            ModelState.AddModelError("", "This sign-in link has expired or was already used. Ask for a new one.");
            return View("MagicLink", new MagicLinkRequest { ReturnUrl = returnUrl });
        }

        await adminRole.GrantIfDueAsync(user);
        await signIn.SignInAsync(user, isPersistent: true);
        return LocalRedirectOrHome(returnUrl);
    }

    [HttpPost("sign-out")]
    public async Task<IActionResult> SignOutOfSite()
    {
        await signIn.SignOutAsync();
        return RedirectToAction("Index", "Home");
    }

    [HttpGet("forgot-password")]
    public IActionResult ForgotPassword() => View(new ForgotPasswordRequest());

    [HttpPost("forgot-password")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> ForgotPassword(ForgotPasswordRequest request, [FromServices] PasswordResetHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        await handler.SendAsync(request);
        return View("CheckEmail", new CheckEmailViewModel(request.Email.Trim(), CheckEmailReason.PasswordReset));
    }

    [HttpGet("reset-password")]
    public IActionResult ResetPassword(string? email, string? code) =>
        View(new ResetPasswordRequest { Email = email ?? "", Code = code ?? "" });

    [HttpPost("reset-password")]
    [EnableRateLimiting(AuthRateLimiting.Policy)]
    public async Task<IActionResult> ResetPassword(ResetPasswordRequest request, [FromServices] PasswordResetHandler handler)
    {
        if (!ModelState.IsValid)
        {
            return View(request);
        }

        var errors = await handler.ResetAsync(request);
        if (errors.Any)
        {
            errors.CopyTo(ModelState);
            return View(request);
        }

        TempData["Notice"] = "Your password is changed. Sign in with it now.";
        return RedirectToAction(nameof(SignIn));
    }

    [Authorize]
    [HttpGet("settings")]
    public async Task<IActionResult> Settings([FromServices] AccountSettingsHandler handler)
    {
        var user = await CurrentUserAsync();
        return View(await handler.LoadAsync(user, CurrentSession));
    }

    [Authorize]
    [HttpPost("settings/profile")]
    public async Task<IActionResult> UpdateProfile([Bind(Prefix = "Profile")] ProfileRequest request, [FromServices] AccountSettingsHandler handler)
    {
        var user = await CurrentUserAsync();
        if (ModelState.IsValid)
        {
            var errors = await handler.UpdateProfileAsync(user, request);
            if (!errors.Any)
            {
                TempData["Notice"] = "Your name is saved.";
                return RedirectToAction(nameof(Settings));
            }

            errors.CopyTo(ModelState);
        }

        var model = await handler.LoadAsync(user, CurrentSession);
        model.Profile = request;
        return View(nameof(Settings), model);
    }

    [Authorize]
    [HttpPost("settings/password")]
    public async Task<IActionResult> ChangePassword([Bind(Prefix = "Password")] ChangePasswordRequest request, [FromServices] AccountSettingsHandler handler)
    {
        var user = await CurrentUserAsync();
        if (ModelState.IsValid)
        {
            var errors = await handler.ChangePasswordAsync(user, request, CurrentSession);
            if (!errors.Any)
            {
                TempData["Notice"] = "Your password is changed. You are signed out everywhere else.";
                return RedirectToAction(nameof(Settings));
            }

            errors.CopyTo(ModelState);
        }

        return View(nameof(Settings), await handler.LoadAsync(user, CurrentSession));
    }

    /// <summary>The WebAuthn options for a new passkey on this account (passkeys.js asks for them).</summary>
    [Authorize]
    [HttpPost("settings/passkeys/creation-options")]
    public async Task<IActionResult> PasskeyCreationOptions([FromServices] PasskeysHandler passkeys) =>
        Content(await passkeys.CreationOptionsAsync(await CurrentUserAsync()), "application/json");

    [Authorize]
    [HttpPost("settings/passkeys")]
    public async Task<IActionResult> AddPasskey(string? credential, string? name, [FromServices] PasskeysHandler passkeys)
    {
        var outcome = await passkeys.AddAsync(await CurrentUserAsync(), credential, name);
        if (outcome == PasskeyAddOutcome.Added)
        {
            TempData["Notice"] = "Your passkey is added. You can sign in with it now.";
        }
        else
        {
            TempData["Notice"] = "The passkey was not added. Try again from this page.";
            TempData["NoticeIsError"] = true;
        }

        return RedirectToAction(nameof(Settings));
    }

    [Authorize]
    [HttpPost("settings/passkeys/remove")]
    public async Task<IActionResult> RemovePasskey(string? id, [FromServices] PasskeysHandler passkeys)
    {
        if (!await passkeys.RemoveAsync(await CurrentUserAsync(), id))
        {
            return NotFound("You have no passkey with this id; it may have been removed already.");
        }

        TempData["Notice"] = "The passkey is removed. It no longer signs you in.";
        return RedirectToAction(nameof(Settings));
    }

    /// <summary>Ends one of your sessions (this one too: that is signing out here).</summary>
    [Authorize]
    [HttpPost("settings/sessions/{id:guid}/sign-out")]
    public async Task<IActionResult> EndSession(Guid id, [FromServices] AccountSessions sessions)
    {
        if (id == CurrentSession)
        {
            await signIn.SignOutAsync();
            return RedirectToAction("Index", "Home");
        }

        if (!await sessions.EndAsync(User.Id(), id))
        {
            return NotFound("You have no session with this id; it may have ended already.");
        }

        TempData["Notice"] = "That session is signed out.";
        return RedirectToAction(nameof(Settings));
    }

    [Authorize]
    [HttpPost("settings/sessions/sign-out-others")]
    public async Task<IActionResult> EndOtherSessions([FromServices] AccountSessions sessions)
    {
        var ended = await sessions.EndOthersAsync(User.Id(), CurrentSession);
        TempData["Notice"] = ended == 0 ? "You were not signed in anywhere else." : "You are signed out everywhere else.";
        return RedirectToAction(nameof(Settings));
    }

    [Authorize]
    [HttpPost("settings/sessions/sign-out-everywhere")]
    public async Task<IActionResult> EndAllSessions([FromServices] AccountSessions sessions)
    {
        await sessions.EndOthersAsync(User.Id(), keep: null);
        await signIn.SignOutAsync();
        TempData["Notice"] = "You are signed out everywhere.";
        return RedirectToAction(nameof(SignIn));
    }

    [HttpGet("access-denied")]
    public IActionResult AccessDenied() => View();

    private async Task<AppUser> CurrentUserAsync() =>
        await users.GetUserAsync(User) ?? throw new InvalidOperationException("Signed-in user not found.");

    private Guid? CurrentSession => DatabaseTicketStore.CurrentSessionId(HttpContext);

    private IActionResult LocalRedirectOrHome(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) ? LocalRedirect(returnUrl) : RedirectToAction("Index", "Home");
}

public enum CheckEmailReason
{
    Confirm,
    MagicLink,
    PasswordReset,
}

public sealed record CheckEmailViewModel(string Email, CheckEmailReason Reason);

public sealed record MagicLinkRedeemViewModel(string Token, string? ReturnUrl);

/// <summary>The confirmation page: whether the link worked, and the one-time token its "Continue" button signs in with.</summary>
public sealed record ConfirmEmailViewModel(bool Confirmed, string? SignInToken);
