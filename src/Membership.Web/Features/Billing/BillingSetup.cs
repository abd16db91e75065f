using Membership.Web.Infrastructure.Stripe;
using Hangfire;
using Membership.Web.Infrastructure.Jobs;

namespace Membership.Web.Features.Billing;

/// <summary>Billing: joining through Checkout, Stripe's events, the ledger, payouts, and the daily billing jobs.</summary>
public static class BillingSetup
{
    public static IServiceCollection AddBilling(this IServiceCollection services)
    {
        services.AddScoped<StripeCatalog>();
        services.AddScoped<IStripeCatalogQueue, StripeCatalogJobs>();
        services.AddScoped<ResumeMembership>();
        services.AddScoped<JoinTier>();
        services.AddScoped<JoinPageQuery>();
        services.AddScoped<SubscriptionSync>();
        services.AddScoped<Ledger>();
        services.AddScoped<Payouts>();
        services.AddScoped<TrialEndingEmails>();

        services.AddScoped<StripeEventInbox>();
        services.AddScoped<IStripeEventHandler, CheckoutCompletedHandler>();
        services.AddScoped<IStripeEventHandler, SubscriptionChangedHandler>();
        services.AddScoped<IStripeEventHandler, TrialWillEndHandler>();
        services.AddScoped<IStripeEventHandler, InvoicePaidHandler>();
        services.AddScoped<IStripeEventHandler, InvoicePaymentFailedHandler>();
        services.AddScoped<IStripeEventHandler, ChargeRefundedHandler>();
        services.AddScoped<IStripeEventHandler, AccountUpdatedHandler>();
        services.AddSingleton<StripeEventProcessor>();
        services.AddRecurringJob<StripeEventProcessor>(StripeEventProcessor.RecurringJobId, processor => processor.ProcessPendingAsync(CancellationToken.None), Cron.Minutely(), catchUpOnStart: true);

        services.AddSingleton<Reconciliation>();
        services.AddRecurringJob<Reconciliation>(Reconciliation.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Daily(3));
        services.AddSingleton<RenewalReminders>();
        services.AddRecurringJob<RenewalReminders>(RenewalReminders.RecurringJobId, job => job.SendDueAsync(CancellationToken.None), Cron.Daily(9));
        return services;
    }
}
