using Membership.StripeEmulator;
using Membership.Web.Infrastructure.Stripe;

namespace Membership.Web.Features.SimulatedPayments;

/// <summary>What the Simulated payments page shows: the emulator's time, what falls due next, the latest events and their delivery.</summary>
public sealed record SimulatedPaymentsView(
    DateTimeOffset EmulatorNow, DateTimeOffset RealNow, DateTimeOffset? NextRenewal, IReadOnlyList<DueItem> Upcoming, IReadOnlyList<SimulatedEvent> Events);

/// <summary>Something the emulator will do when its clock reaches <see cref="At"/>, in words.</summary>
public sealed record DueItem(DateTimeOffset At, string What);

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

/// <summary>Reads the running emulator for the page.</summary>
public sealed class SimulatedPaymentsQuery(StripeEndpoint stripe, TimeProvider clock)
{
    public async Task<SimulatedPaymentsView?> HandleAsync(CancellationToken cancellationToken)
    {
        var emulator = await EmulatorAsync(stripe, cancellationToken);
        if (emulator is null)
        {
            return null;
        }

        var events = emulator.RecentEvents(30).Reverse().Select(e => new SimulatedEvent(
            e.Event.CreatedAt,
            e.Event.Type,
            e.State switch
            {
                EventDeliveryState.Delivered => "delivered",
                EventDeliveryState.NotSent => "not sent (no endpoint)",
                EventDeliveryState.Held => "held back",
                EventDeliveryState.Pending => "waiting",
                EventDeliveryState.Retrying => "refused, trying again: " + (e.Deliveries.LastOrDefault()?.LastError ?? "no answer"),
                _ => "failed: " + (e.Deliveries.LastOrDefault()?.LastError ?? "no answer"),
            },
            e.Deliveries.Sum(d => d.Attempts))).ToList();
        var upcoming = emulator.Upcoming(50);
        var items = upcoming.Where(u => u.Kind != DueWorkKind.CheckoutExpiry).Take(5).Select(u => new DueItem(u.At, u.Kind switch
        {
            DueWorkKind.Renewal => "a membership renews",
            DueWorkKind.TrialEnd => "a free trial ends and its first payment is taken",
            DueWorkKind.TrialWillEnd => "a member is told their free trial ends in three days",
            DueWorkKind.CancelAtPeriodEnd => "a cancelled membership ends",
            DueWorkKind.PaymentRetry => "a failed payment is tried again",
            _ => "something else falls due",
        })).ToList();
        return new SimulatedPaymentsView(emulator.Clock.UtcNow, clock.GetUtcNow(), NextRenewal(upcoming), items, events);
    }

    /// <summary>When Stripe next bills someone: a renewal or the end of a trial.</summary>
    internal static DateTimeOffset? NextRenewal(IEnumerable<DueWork> upcoming) =>
        upcoming.FirstOrDefault(u => u.Kind is DueWorkKind.Renewal or DueWorkKind.TrialEnd)?.At;

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
public sealed class AdvanceSimulatedClock(StripeEndpoint stripe)
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
            _ => (SimulatedPaymentsQuery.NextRenewal(emulator.Upcoming(50)) ?? now.AddMonths(1)).AddMinutes(1),
        };
        return emulator.Clock.AdvanceTo(to);
    }
}
