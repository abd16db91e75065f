using Membership.Data;
using Membership.StripeEmulator;
using Membership.Web.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;

namespace Membership.Web.Features.SimulatedPayments;

/// <summary>What the Simulated payments page shows: the emulator's time, the next renewal, the latest events and their delivery.</summary>
public sealed record SimulatedPaymentsView(DateTimeOffset EmulatorNow, DateTimeOffset RealNow, DateTimeOffset? NextRenewal, IReadOnlyList<SimulatedEvent> Events);

/// <summary>One event the emulator sent to this site, with how its webhook delivery went.</summary>
public sealed record SimulatedEvent(DateTimeOffset At, string Type, string Delivery, int Attempts);

/// <summary>How far the admin moves the emulator's clock.</summary>
public enum ClockStep
{
    Day,
    Week,
    Month,
    NextRenewal,
}

/// <summary>Reads the running emulator for the page (starting it if nothing has used Stripe yet).</summary>
public sealed class SimulatedPaymentsQuery(StripeEndpoint stripe, MembershipDbContext db, TimeProvider clock)
{
    public async Task<SimulatedPaymentsView?> HandleAsync(CancellationToken cancellationToken)
    {
        var emulator = await EmulatorAsync(stripe, cancellationToken);
        if (emulator is null)
        {
            return null;
        }

        var deliveries = emulator.Webhooks.Deliveries.GroupBy(d => d.EventId).ToDictionary(g => g.Key, g => g.ToList());
        var events = emulator.Events.TakeLast(30).Reverse().Select(e =>
        {
            var copies = deliveries.GetValueOrDefault(e.Id) ?? [];
            var status = copies.Count == 0 ? "not sent (no endpoint)"
                : copies.All(c => c.Status == WebhookDeliveryStatus.Delivered) ? "delivered"
                : copies.Any(c => c.Status == WebhookDeliveryStatus.Failed) ? "failed: " + (copies.First(c => c.Status == WebhookDeliveryStatus.Failed).LastError ?? "refused")
                : "waiting";
            return new SimulatedEvent(DateTimeOffset.FromUnixTimeSeconds(e.Created), e.Type, status, copies.Sum(c => c.Attempts));
        }).ToList();
        return new SimulatedPaymentsView(emulator.Clock.UtcNow, clock.GetUtcNow(), await NextRenewalAsync(db, emulator.Clock.UtcNow, cancellationToken), events);
    }

    /// <summary>The earliest end of a live subscription's period or trial after <paramref name="now"/>: when Stripe next bills someone.</summary>
    internal static async Task<DateTimeOffset?> NextRenewalAsync(MembershipDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var after = now.UtcDateTime;
        var next = await db.Subscriptions
            .Where(s => (s.Status == "active" || s.Status == "trialing" || s.Status == "past_due") && s.CurrentPeriodEnd > after)
            .MinAsync(s => (DateTime?)s.CurrentPeriodEnd, cancellationToken);
        return next is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    internal static async Task<StripeEmulator.StripeEmulator?> EmulatorAsync(StripeEndpoint stripe, CancellationToken cancellationToken)
    {
        if (!stripe.IsSimulated)
        {
            return null;
        }

        await stripe.ClientAsync(cancellationToken);
        return stripe.Emulator;
    }
}

/// <summary>Moves the emulator's clock: renewals, payment retries, trial ends and cancellations that fall due happen, and their webhooks go out.</summary>
public sealed class AdvanceSimulatedClock(StripeEndpoint stripe, MembershipDbContext db)
{
    /// <summary>The emulator's new time, or null when payments are not simulated.</summary>
    public async Task<DateTimeOffset?> HandleAsync(ClockStep step, CancellationToken cancellationToken)
    {
        var emulator = await SimulatedPaymentsQuery.EmulatorAsync(stripe, cancellationToken);
        if (emulator is null)
        {
            return null;
        }

        var now = emulator.Clock.UtcNow;
        var to = step switch
        {
            ClockStep.Day => now.AddDays(1),
            ClockStep.Week => now.AddDays(7),
            ClockStep.Month => now.AddMonths(1),
            // A minute past the renewal, so that it has happened when the page comes back.
            _ => (await SimulatedPaymentsQuery.NextRenewalAsync(db, now, cancellationToken) ?? now.AddMonths(1)).AddMinutes(1),
        };
        return emulator.Clock.AdvanceTo(to);
    }
}
