using System.Globalization;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Membership.Web.Features.Billing;

/// <summary>
/// Stripe Connect for creators: an Express account onboarded through Stripe's hosted page.
/// Paid tiers take members only once Stripe reports <c>charges_enabled</c> (from the return
/// page or the <c>account.updated</c> webhook, whichever comes first).
/// </summary>
public sealed class Payouts(MembershipDbContext db, StripeGateway stripe, PublicLinks links, TimeProvider clock)
{
    /// <summary>Creates the creator's account if needed and returns Stripe's onboarding link.</summary>
    public async Task<string> OnboardingLinkAsync(Creator creator, CancellationToken cancellationToken)
    {
        if (creator.StripeAccountId is null)
        {
            var email = await db.Users.Where(u => u.Id == creator.UserId).Select(u => u.Email).SingleAsync(cancellationToken);
            var account = await stripe.CallAsync((client, token) => new AccountService(client).CreateAsync(
                new AccountCreateOptions
                {
                    Type = "express",
                    Email = email,
                    Capabilities = new AccountCapabilitiesOptions
                    {
                        CardPayments = new AccountCapabilitiesCardPaymentsOptions { Requested = true },
                        Transfers = new AccountCapabilitiesTransfersOptions { Requested = true },
                    },
                    BusinessProfile = new AccountBusinessProfileOptions { Name = creator.DisplayName, Url = links.Absolute($"/{creator.Handle}") },
                    Metadata = new Dictionary<string, string> { [StripeMetadata.CreatorId] = creator.Id.ToString(CultureInfo.InvariantCulture) },
                },
                new RequestOptions { IdempotencyKey = IdempotencyKeys.For("connect-account", creator.Id, creator.CreatedAt) },
                token), cancellationToken);
            creator.StripeAccountId = account.Id;
            creator.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
        }

        var link = await stripe.CallAsync((client, token) => new AccountLinkService(client).CreateAsync(
            new AccountLinkCreateOptions
            {
                Account = creator.StripeAccountId,
                RefreshUrl = links.Absolute("/creator/payouts/refresh"),
                ReturnUrl = links.Absolute("/creator/payouts/return"),
                Type = "account_onboarding",
            },
            cancellationToken: token), cancellationToken);
        return link.Url;
    }

    /// <summary>Reads the account's state from Stripe into the creator's page.</summary>
    public async Task RefreshAsync(Creator creator, CancellationToken cancellationToken)
    {
        if (creator.StripeAccountId is null)
        {
            return;
        }

        global::Stripe.Account account;
        try
        {
            account = await stripe.CallAsync((client, token) => new AccountService(client).GetAsync(creator.StripeAccountId, cancellationToken: token), cancellationToken);
        }
        catch (StripeException exception) when (exception.StripeError?.Code is "resource_missing" or "account_invalid" || exception.HttpStatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // Not an account of the Stripe the site now uses (keys switched, simulated payments
            // reset): payouts must be connected again, and paid tiers close until they are.
            creator.StripeAccountId = null;
            creator.ChargesEnabled = false;
            creator.PayoutsEnabled = false;
            creator.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        if (creator.ChargesEnabled != account.ChargesEnabled || creator.PayoutsEnabled != account.PayoutsEnabled)
        {
            creator.ChargesEnabled = account.ChargesEnabled;
            creator.PayoutsEnabled = account.PayoutsEnabled;
            creator.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The <c>account.updated</c> webhook: refreshes whichever creator owns the account.</summary>
    public async Task RefreshAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        var creator = await db.Creators.SingleOrDefaultAsync(c => c.StripeAccountId == accountId, cancellationToken);
        if (creator is not null)
        {
            await RefreshAsync(creator, cancellationToken);
        }
    }
}
