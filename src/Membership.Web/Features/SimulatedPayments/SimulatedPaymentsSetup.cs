namespace Membership.Web.Features.SimulatedPayments;

/// <summary>The admins' page for the built-in Stripe emulator's clock.</summary>
public static class SimulatedPaymentsSetup
{
    public static IServiceCollection AddSimulatedPayments(this IServiceCollection services)
    {
        services.AddScoped<SimulatedPaymentsQuery>();
        services.AddScoped<AdvanceSimulatedClock>();
        return services;
    }
}
