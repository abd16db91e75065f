using Membership.Web.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace Membership.Web.Infrastructure.Email;

public static class EmailSetup
{
    public static IServiceCollection AddMembershipEmail(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.Configure<EmailSettings>(configuration.GetSection("Email"));
        services.AddSingleton<MimeMessageFactory>();
        services.AddSingleton<PostEmailStops>();
        services.AddSingleton<EmailTemplates>();
        services.AddSingleton<TransactionalEmails>();
        services.AddSingleton<SmtpConnector>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<OutboxPump>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxPump>());
        services.AddSingleton<OutboxEmailSender>();
        services.AddSingleton<IEmailSender>(provider => provider.GetRequiredService<OutboxEmailSender>());
        services.AddSingleton<IEmailTransport>(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<EmailSettings>>().Value;
            if (!string.IsNullOrWhiteSpace(settings.Smtp.Host))
            {
                return ActivatorUtilities.CreateInstance<SmtpEmailSender>(provider);
            }

            var directory = string.IsNullOrWhiteSpace(settings.PickupDirectory)
                ? Path.Combine(DatabaseSetup.DataDirectory(configuration, environment), "mail")
                : Path.GetFullPath(settings.PickupDirectory, environment.ContentRootPath);
            return new PickupFolderEmailSender(
                provider.GetRequiredService<MimeMessageFactory>(),
                directory,
                provider.GetRequiredService<ILogger<PickupFolderEmailSender>>());
        });
        return services;
    }
}
