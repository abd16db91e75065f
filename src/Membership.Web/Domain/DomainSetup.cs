namespace Membership.Web.Domain;

/// <summary>The shared rules that are services: rendering and reading posts, entitlement, handles, metrics.</summary>
public static class DomainSetup
{
    public static IServiceCollection AddDomain(this IServiceCollection services)
    {
        services.AddSingleton<PostRenderer>();
        services.AddScoped<Entitlement>();
        services.AddScoped<PostReader>();
        services.AddSingleton<ReservedHandles>();
        services.AddScoped<CreatorMetrics>();
        return services;
    }
}
