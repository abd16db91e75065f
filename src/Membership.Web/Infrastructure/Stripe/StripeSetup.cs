namespace Membership.Web.Infrastructure.Stripe;

/// <summary>Registers the Stripe client (real or emulated) and the gateway every call goes through.</summary>
public static class StripeSetup
{
    public static IServiceCollection AddMembershipStripe(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<StripeSettings>(configuration.GetSection("Stripe"));
        services.Configure<PlatformSettings>(configuration.GetSection("Platform"));
        var settings = configuration.GetSection("Stripe").Get<StripeSettings>() ?? new StripeSettings();
        if (!string.IsNullOrWhiteSpace(settings.SecretKey) && string.IsNullOrWhiteSpace(settings.WebhookSecret))
        {
            throw new InvalidOperationException("Set Stripe:WebhookSecret (the whsec_… of the site's webhook endpoint) along with Stripe:SecretKey.");
        }

        var fee = configuration.GetValue("Platform:FeePercent", 5m);
        if (fee is < 0 or > 100)
        {
            throw new InvalidOperationException("Platform:FeePercent must be between 0 and 100.");
        }

        services.AddSingleton<StripeEndpoint>();
        services.AddSingleton<StripeGateway>();
        return services;
    }
}
