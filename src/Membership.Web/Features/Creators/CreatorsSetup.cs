namespace Membership.Web.Features.Creators;

/// <summary>Creators' pages: setting one up, the public page, following.</summary>
public static class CreatorsSetup
{
    public static IServiceCollection AddCreators(this IServiceCollection services)
    {
        services.AddScoped<CreatorProfileHandler>();
        services.AddScoped<CreatorPageQuery>();
        services.AddScoped<FollowHandler>();
        return services;
    }
}
