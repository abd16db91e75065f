using Membership.Web.Infrastructure.Caching;
using System.ComponentModel.DataAnnotations;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Money;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Membership.Web.Features.Tiers;

/// <summary>The create / edit tier form. Prices are typed in major units ("5.00") and stored in minor units.</summary>
public sealed class TierRequest
{
    [Required(ErrorMessage = "Give the tier a name.")]
    [StringLength(60, ErrorMessage = "Keep the name under 60 characters.")]
    public string Name { get; set; } = "";

    [StringLength(2000, ErrorMessage = "Keep the description under 2,000 characters.")]
    public string? Description { get; set; }

    /// <summary>One benefit per line.</summary>
    public string? Benefits { get; set; }

    [Display(Name = "Monthly price")]
    [Required(ErrorMessage = "Enter a monthly price.")]
    public string MonthlyPrice { get; set; } = "";

    [Display(Name = "Yearly price (optional)")]
    public string? YearlyPrice { get; set; }

    [Display(Name = "Member cap (optional)")]
    public int? MemberCap { get; set; }

    [Display(Name = "Free trial days (optional)")]
    public int? TrialDays { get; set; }
}

public sealed class TierFormViewModel
{
    public int? TierId { get; set; }

    public required string Currency { get; init; }

    public TierRequest Form { get; set; } = new();

    public int CurrentMembers { get; init; }
}

/// <summary>Validates a <see cref="TierRequest"/> and writes it to a new or an existing tier.</summary>
public sealed class SaveTierHandler(MembershipDbContext db, IOptions<TierSettings> settings, TimeProvider clock, PublicPageCache pages, IStripeCatalogQueue stripeCatalog)
{
    public const int MaxBenefits = 20;
    public const int MaxBenefitLength = 200;
    public const int MaxTrialDays = 730;

    public static TierRequest ToForm(Tier tier, string currency) => new()
    {
        Name = tier.Name,
        Description = tier.Description,
        Benefits = string.Join('\n', tier.Benefits),
        MonthlyPrice = MoneyFormat.FormatForInput(tier.MonthlyPriceMinor, currency),
        YearlyPrice = tier.YearlyPriceMinor is { } yearly ? MoneyFormat.FormatForInput(yearly, currency) : "",
        MemberCap = tier.MemberCap,
        TrialDays = tier.TrialDays,
    };

    /// <summary>Creates a tier for <paramref name="creator"/> when <paramref name="existing"/> is null.</summary>
    public async Task<(Tier? Tier, Errors Errors)> SaveAsync(Creator creator, Tier? existing, TierRequest request)
    {
        var errors = new Errors();
        var name = (request.Name ?? "").Trim();
        var normalizedName = name.ToUpperInvariant();
        var existingId = existing?.Id ?? 0;
        if (name.Length == 0)
        {
            errors.Add(nameof(request.Name), "Give the tier a name.");
        }
        else if (await db.Tiers.AnyAsync(t => t.CreatorId == creator.Id && t.NormalizedName == normalizedName && t.Id != existingId))
        {
            errors.Add(nameof(request.Name), $"You already have a tier called \"{name}\" (archived tiers count too). Choose another name.");
        }

        var monthly = ParsePrice(request.MonthlyPrice, creator.Currency, nameof(request.MonthlyPrice), errors);
        long? yearly = string.IsNullOrWhiteSpace(request.YearlyPrice)
            ? null
            : ParsePrice(request.YearlyPrice, creator.Currency, nameof(request.YearlyPrice), errors);

        var benefits = (request.Benefits ?? "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(b => b.Length > 0)
            .ToList();
        if (benefits.Count > MaxBenefits)
        {
            errors.Add(nameof(request.Benefits), $"List at most {MaxBenefits} benefits.");
        }
        else if (benefits.Any(b => b.Length > MaxBenefitLength))
        {
            errors.Add(nameof(request.Benefits), $"Keep each benefit under {MaxBenefitLength} characters.");
        }

        if (request.MemberCap is { } cap)
        {
            var current = existing is null ? 0 : await TierMembers.CountAsync(db, existing.Id);
            if (cap < 1)
            {
                errors.Add(nameof(request.MemberCap), "A member cap must be at least 1, or left empty for no limit.");
            }
            else if (cap < current)
            {
                errors.Add(nameof(request.MemberCap), $"This tier has {current} members: the cap cannot be lower than that.");
            }
        }

        if (request.TrialDays is { } trial && (trial < 1 || trial > MaxTrialDays))
        {
            errors.Add(nameof(request.TrialDays), $"A trial is 1 to {MaxTrialDays} days, or leave it empty for none.");
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var tier = existing;
        if (tier is null)
        {
            var lastPosition = await db.Tiers.Where(t => t.CreatorId == creator.Id).MaxAsync(t => (int?)t.SortOrder) ?? 0;
            tier = new Tier { CreatorId = creator.Id, CreatedAt = now, SortOrder = lastPosition + 1 };
            db.Tiers.Add(tier);
        }

        tier.Name = name;
        tier.NormalizedName = normalizedName;
        tier.Description = request.Description?.Trim() ?? "";
        tier.Benefits = benefits;
        tier.MonthlyPriceMinor = monthly;
        tier.YearlyPriceMinor = yearly;
        tier.MemberCap = request.MemberCap;
        tier.TrialDays = request.TrialDays;
        tier.UpdatedAt = now;
        // A changed price is a new price row; members on the old one keep paying it.
        await TierPrices.ReconcileAsync(db, tier, creator.Currency, now);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // The unique (creator, name) index caught a concurrent save of the same name.
            db.ChangeTracker.Clear();
            return (null, new Errors().Add(nameof(request.Name), $"You already have a tier called \"{name}\". Choose another name."));
        }

        await pages.EvictAsync(creator.Id);
        stripeCatalog.CreatorChanged(creator.Id);
        return (tier, Errors.None);
    }

    private long ParsePrice(string? input, string currency, string field, Errors errors)
    {
        if (!MoneyFormat.TryParse(input, currency, out var minor, out var error))
        {
            errors.Add(field, error);
            return 0;
        }

        if (minor <= 0)
        {
            errors.Add(field, "A price must be above zero. Fans who pay nothing follow for free.");
        }
        else if (minor > settings.Value.MaxPriceMinorUnits)
        {
            errors.Add(field, $"A price can be at most {MoneyFormat.Format(settings.Value.MaxPriceMinorUnits, currency)}.");
        }

        return minor;
    }
}
