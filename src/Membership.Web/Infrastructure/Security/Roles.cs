namespace Membership.Web.Infrastructure.Security;

/// <summary>Role names. Admins run the site (jobs dashboard, operator pages).</summary>
public static class Roles
{
    public const string Admin = "Admin";
}
