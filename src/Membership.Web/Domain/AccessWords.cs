using Membership.Data.Entities;

namespace Membership.Web.Domain;

/// <summary>The badge a locked post carries, saying who it is for.</summary>
public static class AccessWords
{
    public static string Badge(PostAccess access) => access switch
    {
        PostAccess.Members => "Members only",
        PostAccess.Paid => "Paid members",
        PostAccess.Tiers => "Selected tiers",
        _ => "Public",
    };
}
