using Membership.Web.Infrastructure.Caching;
using System.ComponentModel.DataAnnotations;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Money;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.Creators;

/// <summary>The creator page settings form, used both to become a creator and to edit the page.</summary>
public sealed class CreatorProfileRequest
{
    [Required(ErrorMessage = "Choose a handle for your page address.")]
    public string Handle { get; set; } = "";

    [Display(Name = "Page name")]
    [Required(ErrorMessage = "Enter the name shown on your page.")]
    [StringLength(80, ErrorMessage = "Keep the page name under 80 characters.")]
    public string DisplayName { get; set; } = "";

    [StringLength(2000, ErrorMessage = "Keep the bio under 2,000 characters.")]
    public string? Bio { get; set; }

    [Required(ErrorMessage = "Choose a currency.")]
    public string Currency { get; set; } = "USD";

    [Display(Name = "Yearly revenue goal")]
    [Required(ErrorMessage = "Enter a yearly revenue goal.")]
    public string YearlyGoal { get; set; } = "";

    [Display(Name = "True-fan threshold (per year)")]
    [Required(ErrorMessage = "Enter the yearly amount that makes a true fan.")]
    public string TrueFanThreshold { get; set; } = "";
}

public sealed class CreatorProfileViewModel
{
    public CreatorProfileRequest Form { get; set; } = new();

    public bool IsNew { get; set; }

    /// <summary>The currency cannot change once tiers are priced in it.</summary>
    public bool CurrencyLocked { get; set; }
}

/// <summary>Creates or updates the signed-in user's creator page.</summary>
public sealed class CreatorProfileHandler(MembershipDbContext db, TimeProvider clock, PublicPageCache pages, ReservedHandles reserved)
{
    private const long MaxAmountMinor = 1_000_000_000_000;

    public CreatorProfileRequest Defaults(string displayName)
    {
        var currency = Currencies.Get("USD");
        return new CreatorProfileRequest
        {
            DisplayName = displayName,
            Currency = currency.Code,
            YearlyGoal = MoneyFormat.FormatForInput(Creator.DefaultYearlyGoalMajor * currency.MinorPerMajor, currency.Code),
            TrueFanThreshold = MoneyFormat.FormatForInput(Creator.DefaultTrueFanThresholdMajor * currency.MinorPerMajor, currency.Code),
        };
    }

    public static CreatorProfileRequest ToForm(Creator creator) => new()
    {
        Handle = creator.Handle,
        DisplayName = creator.DisplayName,
        Bio = creator.Bio,
        Currency = creator.Currency,
        YearlyGoal = MoneyFormat.FormatForInput(creator.YearlyGoalMinor, creator.Currency),
        TrueFanThreshold = MoneyFormat.FormatForInput(creator.TrueFanThresholdMinor, creator.Currency),
    };

    public Task<bool> HasTiersAsync(int creatorId) => db.Tiers.AnyAsync(t => t.CreatorId == creatorId);

    /// <summary>Saves the page for <paramref name="userId"/>: creates it when <paramref name="existing"/> is null.</summary>
    public async Task<(Creator? Creator, Errors Errors)> SaveAsync(string userId, Creator? existing, CreatorProfileRequest request)
    {
        var errors = new Errors();
        var handle = Handles.Normalize(request.Handle);
        var existingId = existing?.Id ?? 0;
        // A page keeps the handle it has (a word the site came to route later included), so its other settings can still be saved.
        if (handle != existing?.Handle && Handles.Problem(handle, reserved.RouteWords) is { } problem)
        {
            errors.Add(nameof(request.Handle), problem);
        }
        else if (await db.Creators.AnyAsync(c => c.Handle == handle && c.Id != existingId))
        {
            errors.Add(nameof(request.Handle), "That handle is taken. Choose another.");
        }

        if (existing is not null && handle != existing.Handle && await db.Posts.AnyAsync(p => p.CreatorId == existing.Id && p.PublishedAt != null))
        {
            // Post URLs, RSS ids and emailed links all carry the handle, and a freed handle could be taken by someone else.
            errors.Add(nameof(request.Handle), "Your page address is fixed once you have published a post, so links to your posts keep working.");
        }

        if (!Currencies.TryGet(request.Currency, out var currency))
        {
            errors.Add(nameof(request.Currency), "Choose a currency from the list.");
            return (null, errors);
        }

        if (existing is not null && existing.Currency != currency.Code && await HasTiersAsync(existing.Id))
        {
            errors.Add(nameof(request.Currency), $"Your tiers are priced in {existing.Currency}, so the currency cannot change.");
        }

        var goal = ParsePositive(request.YearlyGoal, currency.Code, nameof(request.YearlyGoal), errors);
        var threshold = ParsePositive(request.TrueFanThreshold, currency.Code, nameof(request.TrueFanThreshold), errors);
        if (errors.Any)
        {
            return (null, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var creator = existing ?? new Creator { UserId = userId, CreatedAt = now, TotalsBuiltAt = now };
        if (existing is not null && existing.TrueFanThresholdMinor != threshold)
        {
            // Who counts as a true fan changed in every month: the totals are built again on the next view.
            creator.TotalsBuiltAt = null;
        }

        creator.Handle = handle;
        creator.DisplayName = request.DisplayName.Trim();
        creator.Bio = request.Bio?.Trim() ?? "";
        creator.Currency = currency.Code;
        creator.YearlyGoalMinor = goal;
        creator.TrueFanThresholdMinor = threshold;
        creator.UpdatedAt = now;
        if (existing is null)
        {
            db.Creators.Add(creator);
        }

        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (existing is null && await db.Creators.AnyAsync(c => c.UserId == userId))
            {
                // A double-submitted form: the first request made the page.
                return (null, new Errors().Add("", "You already have a creator page."));
            }

            // Someone took the handle between the check and the write.
            return (null, new Errors().Add(nameof(request.Handle), "That handle is taken. Choose another."));
        }

        await pages.EvictAsync(creator.Id);
        return (creator, Errors.None);
    }

    private static long ParsePositive(string input, string currency, string field, Errors errors)
    {
        if (!MoneyFormat.TryParse(input, currency, out var minor, out var error))
        {
            errors.Add(field, error);
        }
        else if (minor <= 0)
        {
            errors.Add(field, "Enter an amount above zero.");
        }
        else if (minor > MaxAmountMinor)
        {
            errors.Add(field, "That amount is too large.");
        }

        return minor;
    }
}
