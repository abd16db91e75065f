using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure.Security;
using Membership.Web.Infrastructure.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Posts.Email;

/// <summary>One-click unsubscribe (RFC 8058), email preferences, and the creator's "send by email".</summary>
public sealed class PostEmailsController(MembershipDbContext db) : Controller
{
    /// <summary>The link in the email footer: a page with one button, so a link scanner changes nothing.</summary>
    [HttpGet("email/unsubscribe/{token}")]
    public async Task<IActionResult> Unsubscribe(string token, [FromServices] UnsubscribeTokens tokens)
    {
        var member = await MemberAsync(tokens.MemberId(token));
        if (member is null)
        {
            return InvalidToken();
        }

        return View(new UnsubscribeViewModel(token, member.Creator!, member.PostEmails, Done: false));
    }

    /// <summary>
    /// The one-click POST (mail clients send <c>List-Unsubscribe=One-Click</c>) and the page's
    /// button. No cookie or antiforgery token is needed: the signed token is the authority, and
    /// it only ever turns post emails off for this one creator. Never redirects.
    /// </summary>
    [HttpPost("email/unsubscribe/{token}")]
    [IgnoreAntiforgeryToken]
    public async Task<IActionResult> UnsubscribeConfirmed(string token, [FromServices] UnsubscribeTokens tokens, [FromServices] TimeProvider clock)
    {
        var memberId = tokens.MemberId(token);
        var member = await MemberAsync(memberId);
        if (member is null)
        {
            return InvalidToken();
        }

        await db.Members.Where(m => m.Id == member.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.PostEmails, false).SetProperty(m => m.UpdatedAt, clock.GetUtcNow().UtcDateTime));
        return View("Unsubscribe", new UnsubscribeViewModel(token, member.Creator!, PostEmails: false, Done: true));
    }

    /// <summary>The member's own switch on the creator page.</summary>
    [Authorize]
    [HttpPost("{handle}/email-preference")]
    public async Task<IActionResult> Preference(string handle, bool? postEmails, [FromServices] TimeProvider clock)
    {
        // Anything but true or false (missing, "maybe") is refused: read as false, it would turn emails off.
        if (!ModelState.IsValid || postEmails is not { } wanted)
        {
            return BadRequest("postEmails must be true or false; your email preference is unchanged.");
        }

        var normalized = Handles.Normalize(handle);
        var userId = User.Id();
        var member = await db.Members.Include(m => m.Creator).SingleOrDefaultAsync(m => m.Creator!.Handle == normalized && m.UserId == userId);
        if (member is null)
        {
            return NotFound();
        }

        member.PostEmails = wanted;
        member.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
        TempData["Notice"] = wanted
            ? $"You will get {member.Creator!.DisplayName}'s new posts by email."
            : $"You will no longer get {member.Creator!.DisplayName}'s posts by email. Receipts and account emails still come.";
        return RedirectToAction("Page", "Creators", new { handle = member.Creator.Handle });
    }

    /// <summary>"Send by email" asks first: how many members will get it, and that it goes only once.</summary>
    [Authorize]
    [HttpGet("creator/posts/{id:int}/email")]
    public async Task<IActionResult> ConfirmSend(int id, [FromServices] RecordDeliveryHandler handler)
    {
        var userId = User.Id();
        var post = await db.Posts.Include(p => p.Creator).Include(p => p.Tiers).SingleOrDefaultAsync(p => p.Id == id && p.Creator!.UserId == userId);
        if (post is null)
        {
            return NotFound();
        }

        if (post.Status != PostStatus.Published || await db.EmailDeliveries.AnyAsync(d => d.PostId == id))
        {
            TempData["Notice"] = post.Status != PostStatus.Published ? "Publish the post to email it." : "This post has already been emailed.";
            return RedirectToAction("Edit", "CreatorPosts", new { id });
        }

        return View(new ConfirmSendViewModel(post, await handler.CountRecipientsAsync(post)));
    }

    /// <summary>The creator sends a published post by email (once).</summary>
    [Authorize]
    [HttpPost("creator/posts/{id:int}/email")]
    public async Task<IActionResult> Send(int id, [FromServices] RecordDeliveryHandler handler)
    {
        var userId = User.Id();
        var owns = await db.Posts.AnyAsync(p => p.Id == id && p.Creator!.UserId == userId);
        if (!owns)
        {
            return NotFound();
        }

        var (_, recipients, errors) = await handler.RecordAsync(id);
        TempData["Notice"] = errors.Any ? errors.Items[0].Message : $"Sending to {Counts.Of(recipients, "member", "members")}.";
        TempData["NoticeIsError"] = errors.Any;
        return RedirectToAction("Edit", "CreatorPosts", new { id });
    }

    private IActionResult InvalidToken()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("UnsubscribeInvalid");
    }

    private Task<Member?> MemberAsync(int? memberId) => memberId is null
        ? Task.FromResult<Member?>(null)
        : db.Members.AsNoTracking().Include(m => m.Creator).SingleOrDefaultAsync(m => m.Id == memberId);
}

public sealed record UnsubscribeViewModel(string Token, Creator Creator, bool PostEmails, bool Done);

public sealed record ConfirmSendViewModel(Post Post, int Recipients);
