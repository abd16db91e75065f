using Hangfire;
using Membership.Web.Infrastructure.Jobs;
using Membership.Web.Features.Posts.Email;

namespace Membership.Web.Features.Posts;

/// <summary>Posts: writing and publishing, files, reading, and delivering them by email.</summary>
public static class PostsSetup
{
    public static IServiceCollection AddPosts(this IServiceCollection services)
    {
        services.AddSingleton<SignedFileLinks>();
        services.AddScoped<SavePostHandler>();
        services.AddScoped<AttachmentsHandler>();
        services.AddScoped<ScheduledPostPublisher>();
        services.AddRecurringJob<ScheduledPostPublisher>(ScheduledPostPublisher.RecurringJobId, publisher => publisher.PublishDueAsync(CancellationToken.None), Cron.Minutely(), catchUpOnStart: true);

        services.AddSingleton<UnsubscribeTokens>();
        services.AddSingleton<IDeliveryChannelFactory, DeliveryChannelFactory>();
        services.AddScoped<RecordDeliveryHandler>();
        services.AddScoped<DeliveryReportQuery>();
        services.AddScoped<DeliveryResumer>();
        services.AddTransient<PostDeliverySender>();
        services.AddRecurringJob<DeliveryResumer>(DeliveryResumer.RecurringJobId, resumer => resumer.ResumeAsync(CancellationToken.None), Cron.Minutely(), catchUpOnStart: true);
        return services;
    }
}
