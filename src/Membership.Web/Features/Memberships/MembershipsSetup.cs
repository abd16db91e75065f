namespace Membership.Web.Features.Memberships;

/// <summary>A fan's "Your memberships".</summary>
public static class MembershipsSetup
{
    public static IServiceCollection AddMemberships(this IServiceCollection services) => services.AddScoped<YourMembershipsQuery>();
}
