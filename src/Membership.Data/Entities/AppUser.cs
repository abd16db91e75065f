using Microsoft.AspNetCore.Identity;

namespace Membership.Data.Entities;

/// <summary>A person's account: fan, creator (when they have a <see cref="Creator"/> page) or both.</summary>
public class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The one Stripe customer of this fan, reused for every creator they pay; null until their first checkout.</summary>
    public string? StripeCustomerId { get; set; }

    public DateTime CreatedAt { get; set; }
}
