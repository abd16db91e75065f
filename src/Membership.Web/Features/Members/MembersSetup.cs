namespace Membership.Web.Features.Members;

/// <summary>A creator's members: the roster, complimentary access, CSV import and the imported's leave link.</summary>
public static class MembersSetup
{
    public static IServiceCollection AddMembers(this IServiceCollection services)
    {
        services.AddSingleton<ImportLeaveTokens>();
        services.AddScoped<ComplimentaryHandler>();
        services.AddScoped<RosterQuery>();
        services.AddScoped<MemberImportHandler>();
        services.AddScoped<LeaveImportHandler>();
        return services;
    }
}
