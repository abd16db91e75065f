namespace Membership.Web.Features.Tiers;

/// <summary>A creator's tiers: saving, archiving, restoring, ordering.</summary>
public static class TiersSetup
{
    public static IServiceCollection AddTiers(this IServiceCollection services)
    {
        services.AddScoped<SaveTierHandler>();
        services.AddScoped<TierCommands>();
        return services;
    }
}
