using Microsoft.AspNetCore.Identity;

namespace Membership.Data.Entities;

/// <summary>A person's account: fan, creator (when they have a <see cref="Creator"/> page) or both.</summary>
public class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
