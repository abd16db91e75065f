using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Security;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>Joining a paid tier through Checkout, managing it in the billing portal, and creators' payouts.</summary>
[PaymentsUnavailable]
public sealed class BillingController(MembershipDbContext db, CurrentCreator currentCreator) : Controller
{
    [HttpGet("{handle}/join/{tierId:int}")]
    public async Task<IActionResult> Join(string handle, int tierId, [FromServices] JoinPageQuery page, CancellationToken cancellationToken)
    {
        var model = await page.HandleAsync(new JoinPageRequest(handle, tierId, User.IdOrNull(), new JoinRequest()), cancellationToken);
        return model is null ? NotFound() : View(model);
    }

    /// <summary>Opens Checkout. The form carries only the interval: the tier is the route's, checked against the creator, and the price is ours.</summary>
    [Authorize]
    [HttpPost("{handle}/join/{tierId:int}")]
    public async Task<IActionResult> StartJoin(string handle, int tierId, [Bind(Prefix = "Form")] JoinRequest request,
        [FromServices] JoinPageQuery page, [FromServices] JoinTier joins, CancellationToken cancellationToken)
    {
        var creator = await db.Creators.AsNoTracking().SingleOrDefaultAsync(c => c.Handle == Handles.Normalize(handle), cancellationToken);
        var tier = creator is null ? null : await db.Tiers.SingleOrDefaultAsync(t => t.Id == tierId && t.CreatorId == creator.Id, cancellationToken);
        if (creator is null || tier is null)
        {
            return NotFound();
        }

        var outcome = await joins.StartAsync(creator, tier, User.Id(), request, cancellationToken);
        if (outcome.CheckoutUrl is not null)
        {
            return new RedirectResult(outcome.CheckoutUrl, permanent: false, preserveMethod: false);
        }

        outcome.Errors.CopyTo(ModelState, "Form");
        var model = await page.HandleAsync(new JoinPageRequest(handle, tierId, User.IdOrNull(), request), cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return model is null ? BadRequest(outcome.Errors.Items[0].Message) : View(nameof(Join), model);
    }

    /// <summary>Checkout's success page. It only shows what the webhook has done: the redirect itself grants nothing.</summary>
    [Authorize]
    [HttpGet("{handle}/join/done")]
    public async Task<IActionResult> JoinDone(string handle, int attempt, CancellationToken cancellationToken)
    {
        var userId = User.Id();
        var row = await db.CheckoutAttempts.AsNoTracking()
            .SingleOrDefaultAsync(a => a.Id == attempt && a.UserId == userId, cancellationToken);
        var creator = row is null ? null : await db.Creators.AsNoTracking().SingleOrDefaultAsync(c => c.Id == row.CreatorId && c.Handle == Handles.Normalize(handle), cancellationToken);
        if (row is null || creator is null)
        {
            return NotFound();
        }

        var tier = await db.Tiers.AsNoTracking().SingleAsync(t => t.Id == row.TierId, cancellationToken);
        var member = await db.Members.AsNoTracking().SingleOrDefaultAsync(m => m.CreatorId == creator.Id && m.UserId == userId, cancellationToken);
        var confirmed = member is { Status: MemberStatus.Active or MemberStatus.PastDue } && member.TierId == row.TierId;
        return View(new JoinDoneViewModel(creator, tier, confirmed));
    }

    /// <summary>"Manage membership": Stripe's billing portal for this fan (change tier, card, cancel).</summary>
    [Authorize]
    [HttpPost("{handle}/membership/manage")]
    public async Task<IActionResult> Manage(string handle, [FromServices] StripeGateway stripe, [FromServices] StripeCatalog catalog, [FromServices] PublicLinks links, CancellationToken cancellationToken)
    {
        var userId = User.Id();
        var creator = await db.Creators.AsNoTracking().SingleOrDefaultAsync(c => c.Handle == Handles.Normalize(handle), cancellationToken);
        var customerId = creator is null ? null : await db.Subscriptions
            .Where(s => s.CreatorId == creator.Id && s.Member!.UserId == userId)
            .OrderByDescending(s => s.StartedAt).Select(s => s.StripeCustomerId).FirstOrDefaultAsync(cancellationToken);
        if (creator is null || customerId is null)
        {
            return NotFound();
        }

        // The creator's configuration: the portal offers exactly their joinable tiers and prices.
        var configuration = await catalog.SyncCreatorAsync(creator.Id, cancellationToken);
        try
        {
            var session = await stripe.CallAsync((client, token) => new global::Stripe.BillingPortal.SessionService(client).CreateAsync(
                new global::Stripe.BillingPortal.SessionCreateOptions { Customer = customerId, Configuration = configuration, ReturnUrl = links.Absolute($"/{creator.Handle}") },
                cancellationToken: token), cancellationToken);
            return new RedirectResult(session.Url, permanent: false, preserveMethod: false);
        }
        catch (StripeException exception) when (exception.StripeError?.Code == "resource_missing")
        {
            // The billing account holding this membership is not in the Stripe the site now uses
            // (its keys were switched, or the simulated payments were reset).
            TempData["Notice"] = "Your membership's billing details are not with the payment provider this site now uses, so it cannot be managed here. Nothing was changed; please contact " + creator.DisplayName + ".";
            return Redirect($"/{creator.Handle}");
        }
    }

    /// <summary>"Resume my membership": a membership set to cancel at the end of its period goes on renewing.</summary>
    [Authorize]
    [HttpPost("{handle}/membership/resume")]
    public async Task<IActionResult> Resume(string handle, [FromServices] ResumeMembership resume, CancellationToken cancellationToken)
    {
        var outcome = await resume.HandleAsync(new ResumeMembership.Request(Handles.Normalize(handle), User.Id()), cancellationToken);
        if (outcome is null)
        {
            return NotFound();
        }

        TempData["Notice"] = outcome;
        return Redirect($"/{Handles.Normalize(handle)}");
    }

    [Authorize]
    [HttpGet("creator/payouts")]
    public async Task<IActionResult> Payouts([FromServices] Payouts payouts, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        try
        {
            // What Stripe says now, not what we last heard.
            await payouts.RefreshAsync(creator, cancellationToken);
        }
        catch (PaymentsUnavailableException)
        {
            ViewData["Stale"] = true;
        }

        return View(creator);
    }

    [Authorize]
    [HttpPost("creator/payouts")]
    public async Task<IActionResult> StartPayouts([FromServices] Payouts payouts, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        return new RedirectResult(await payouts.OnboardingLinkAsync(creator, cancellationToken), permanent: false, preserveMethod: false);
    }

    /// <summary>Stripe sends the creator back here after onboarding; the account's state is read from Stripe, not from the URL.</summary>
    [Authorize]
    [HttpGet("creator/payouts/return")]
    public async Task<IActionResult> PayoutsReturn([FromServices] Payouts payouts, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator is null)
        {
            return RedirectToAction("Setup", "Creators");
        }

        await payouts.RefreshAsync(creator, cancellationToken);
        TempData["Notice"] = creator.ChargesEnabled
            ? "Payouts are connected: fans can join your paid tiers."
            : "Stripe still needs some details before you can take payments.";
        return RedirectToAction(nameof(Payouts));
    }

    /// <summary>Stripe's refresh URL (the onboarding link expired or was used): a fresh link.</summary>
    [Authorize]
    [HttpGet("creator/payouts/refresh")]
    public async Task<IActionResult> PayoutsRefresh([FromServices] Payouts payouts, CancellationToken cancellationToken)
    {
        var creator = await MyCreatorAsync(cancellationToken);
        if (creator?.StripeAccountId is null)
        {
            return RedirectToAction(nameof(Payouts));
        }

        return new RedirectResult(await payouts.OnboardingLinkAsync(creator, cancellationToken), permanent: false, preserveMethod: false);
    }

    private Task<Creator?> MyCreatorAsync(CancellationToken cancellationToken) => currentCreator.FindTrackedAsync(cancellationToken);
}

public sealed record JoinDoneViewModel(Creator Creator, Tier Tier, bool Confirmed);
