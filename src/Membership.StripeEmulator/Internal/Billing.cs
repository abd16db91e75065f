using System.Globalization;

namespace Membership.StripeEmulator.Internal;

internal sealed record SubscriptionSetup(
    long? TrialEnd,
    decimal? ApplicationFeePercent,
    string? TransferDestination,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    string? DefaultPaymentMethodId);

/// <summary>
/// Subscription life: creation, invoicing and payment, renewals, retries, prorations and
/// cancellation. Callers hold <see cref="EmulatorState.Gate"/>.
/// </summary>
internal sealed class Billing(EmulatorState state)
{
    private const long Day = 86_400;

    public static long AddInterval(long anchor, string interval, long count, long n)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(anchor);
        var k = checked((int)(count * n));
        return (interval switch
        {
            "day" => t.AddDays(k),
            "week" => t.AddDays(7 * k),
            "month" => t.AddMonths(k),
            "year" => t.AddYears(k),
            _ => throw new InvalidOperationException("Unknown interval " + interval),
        }).ToUnixTimeSeconds();
    }

    /// <summary>Rounds half away from zero to the minor unit, as every proration line is.</summary>
    public static long ProrationAmount(long fullAmount, long remainingSeconds, long periodSeconds) =>
        periodSeconds <= 0 ? 0 : (long)Math.Round((decimal)fullAmount * remainingSeconds / periodSeconds, MidpointRounding.AwayFromZero);

    // ------------------------------------------------------------------ payment methods

    public PaymentMethodEntity AttachCard(CustomerEntity customer, CardBehavior card, string? name, string? email)
    {
        card.EnsureAttachable();
        return state.Add(new PaymentMethodEntity
        {
            Id = EmulatorState.NewId("pm_"),
            Scope = customer.Scope,
            Created = state.Now,
            CustomerId = customer.Id,
            Card = card,
            BillingName = name,
            BillingEmail = email ?? customer.Email,
        });
    }

    // ------------------------------------------------------------------ checkout

    public CheckoutResult CompleteCheckout(CheckoutSessionEntity session, string? cardNumber, string? email, string? name)
    {
        var now = state.Now;
        if (session.Status == "open" && now >= session.ExpiresAt)
        {
            ExpireSession(session);
        }

        if (session.Status != "open")
        {
            throw ApiError.Invalid($"This Checkout Session is {session.Status} and can no longer be paid.", code: "checkout_session_" + session.Status);
        }

        var card = TestCards.Classify(cardNumber);
        card.EnsureAttachable(); // declined cards stop here: nothing is created

        CustomerEntity customer;
        if (session.CustomerId is not null)
        {
            customer = state.Find<CustomerEntity>(session.CustomerId) ?? throw ApiError.NoSuch("customer", session.CustomerId);
        }
        else
        {
            var customerEmail = session.CustomerEmail ?? (string.IsNullOrWhiteSpace(email) ? null : email.Trim());
            if (customerEmail is null)
            {
                throw ApiError.Invalid("Enter your email address.", "email", "email_invalid");
            }

            customer = state.Add(new CustomerEntity
            {
                Id = EmulatorState.NewId("cus_"),
                Scope = session.Scope,
                Created = now,
                Email = customerEmail,
                Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            });
            session.CustomerCreated = true;
        }

        var pm = AttachCard(customer, card, name, email ?? customer.Email);
        customer.DefaultPaymentMethodId ??= pm.Id;

        long? trialEnd = session.TrialEnd ?? (session.TrialPeriodDays is > 0 ? now + (session.TrialPeriodDays.Value * Day) : null);
        var items = session.LineItems.Select(li => (state.Find<PriceEntity>(li.PriceId)!, li.Quantity)).ToList();
        var setup = new SubscriptionSetup(trialEnd, session.ApplicationFeePercent, session.TransferDestination, session.SubscriptionDescription, session.SubscriptionMetadata, pm.Id);
        var sub = CreateSubscription(customer, items, setup, onSession: true, out var invoice);

        session.Status = "complete";
        session.PaymentStatus = trialEnd is not null ? "no_payment_required" : "paid";
        session.CustomerId = customer.Id;
        session.SubscriptionId = sub.Id;
        session.InvoiceId = invoice.Id;
        session.DetailsEmail = customer.Email ?? email;
        session.DetailsName = customer.Name ?? name;

        state.Emit("customer.subscription.created", sub);
        EmitInvoiceOutcome(invoice);
        state.Emit("checkout.session.completed", session);

        var redirect = session.SuccessUrl.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal);
        return new CheckoutResult(session.Id, customer.Id, sub.Id, invoice.Id, new Uri(redirect, UriKind.RelativeOrAbsolute));
    }

    public void ExpireSession(CheckoutSessionEntity session)
    {
        if (session.Status == "open")
        {
            session.Status = "expired";
            state.Emit("checkout.session.expired", session);
        }
    }

    // ------------------------------------------------------------------ subscriptions

    public SubscriptionEntity CreateSubscription(
        CustomerEntity customer,
        IReadOnlyList<(PriceEntity Price, long Quantity)> items,
        SubscriptionSetup setup,
        bool onSession,
        out InvoiceEntity invoice)
    {
        var now = state.Now;
        var first = items[0].Price;
        var sub = new SubscriptionEntity
        {
            Id = EmulatorState.NewId("sub_"),
            Scope = customer.Scope,
            Created = now,
            CustomerId = customer.Id,
            Currency = first.Currency,
            StartDate = now,
            ApplicationFeePercent = setup.ApplicationFeePercent,
            TransferDestination = setup.TransferDestination,
            DefaultPaymentMethodId = setup.DefaultPaymentMethodId,
            Description = setup.Description,
        };
        foreach (var (k, v) in setup.Metadata)
        {
            sub.Metadata[k] = v;
        }

        state.Add(sub);
        foreach (var (price, quantity) in items)
        {
            sub.Items.Add(state.Add(new SubscriptionItemEntity
            {
                Id = EmulatorState.NewId("si_"),
                Scope = customer.Scope,
                Created = now,
                SubscriptionId = sub.Id,
                PriceId = price.Id,
                Quantity = quantity,
            }));
        }

        List<InvoiceLine> lines;
        if (setup.TrialEnd is { } trialEnd)
        {
            sub.Status = "trialing";
            sub.TrialStart = now;
            sub.TrialEnd = trialEnd;
            sub.CurrentPeriodStart = now;
            sub.CurrentPeriodEnd = trialEnd;
            sub.BillingCycleAnchor = trialEnd;
            sub.CycleCount = 0;
            lines = sub.Items.Select(i => Line(sub, i, 0, now, trialEnd, $"Trial period for {ProductName(i.PriceId)}")).ToList();
        }
        else
        {
            sub.BillingCycleAnchor = now;
            sub.CycleCount = 1;
            sub.CurrentPeriodStart = now;
            sub.CurrentPeriodEnd = AddInterval(now, first.Interval!, first.IntervalCount, 1);
            lines = FullLines(sub);
        }

        invoice = CreateInvoice(sub, "subscription_create", lines, sub.CurrentPeriodStart, sub.CurrentPeriodEnd);
        var paid = PayInvoice(invoice, onSession);
        if (sub.Status != "trialing")
        {
            // Like Stripe's default payment_behavior: a first payment that fails leaves the subscription incomplete (no retries).
            sub.Status = paid ? "active" : "incomplete";
        }

        return sub;
    }

    private string ProductName(string priceId)
    {
        var price = state.Find<PriceEntity>(priceId);
        return price is null ? priceId : state.Find<ProductEntity>(price.ProductId)?.Name ?? price.ProductId;
    }

    private InvoiceLine Line(SubscriptionEntity sub, SubscriptionItemEntity item, long amount, long start, long end, string description, bool proration = false, string? priceId = null, long? quantity = null)
    {
        var price = state.Find<PriceEntity>(priceId ?? item.PriceId)!;
        return new InvoiceLine
        {
            Id = EmulatorState.NewId("il_"),
            Amount = amount,
            Currency = sub.Currency,
            Description = description,
            PriceId = price.Id,
            ProductId = price.ProductId,
            Quantity = quantity ?? item.Quantity,
            PeriodStart = start,
            PeriodEnd = end,
            Proration = proration,
            SubscriptionId = sub.Id,
            SubscriptionItemId = item.Id,
        };
    }

    private List<InvoiceLine> FullLines(SubscriptionEntity sub) =>
        sub.Items.Select(i =>
        {
            var price = state.Find<PriceEntity>(i.PriceId)!;
            return Line(sub, i, price.UnitAmount * i.Quantity, sub.CurrentPeriodStart, sub.CurrentPeriodEnd, $"{i.Quantity} × {ProductName(i.PriceId)}");
        }).ToList();

    public InvoiceEntity CreateInvoice(SubscriptionEntity sub, string reason, IEnumerable<InvoiceLine> lines, long periodStart, long periodEnd)
    {
        var now = state.Now;
        var customer = state.Find<CustomerEntity>(sub.CustomerId)!;
        var invoice = new InvoiceEntity
        {
            Id = EmulatorState.NewId("in_"),
            Scope = sub.Scope,
            Created = now,
            CustomerId = customer.Id,
            SubscriptionId = sub.Id,
            Currency = sub.Currency,
            BillingReason = reason,
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            Number = $"{customer.Id[4..Math.Min(customer.Id.Length, 12)].ToUpperInvariant()}-{customer.NextInvoiceSequence.ToString("0000", CultureInfo.InvariantCulture)}",
        };
        customer.NextInvoiceSequence++;
        foreach (var (k, v) in sub.Metadata)
        {
            invoice.SubscriptionMetadata[k] = v;
        }

        invoice.Lines.AddRange(lines);
        state.Add(invoice);

        // Finalize, applying the customer's credit balance (negative balance = credit).
        var total = invoice.Total;
        invoice.StartingBalance = customer.Balance;
        if (total < 0)
        {
            customer.Balance += total;
            invoice.AmountDue = 0;
        }
        else if (customer.Balance < 0)
        {
            var applied = Math.Min(-customer.Balance, total);
            customer.Balance += applied;
            invoice.AmountDue = total - applied;
        }
        else
        {
            invoice.AmountDue = total;
        }

        invoice.EndingBalance = customer.Balance;
        invoice.Status = "open";
        invoice.FinalizedAt = now;
        sub.LatestInvoiceId = invoice.Id;
        return invoice;
    }

    /// <summary>Attempts to collect an open invoice with the subscription's (or customer's) default card.</summary>
    public bool PayInvoice(InvoiceEntity invoice, bool onSession)
    {
        if (invoice.Status == "paid")
        {
            return true;
        }

        var now = state.Now;
        if (invoice.AmountDue == 0)
        {
            MarkPaid(invoice, now);
            return true;
        }

        var sub = invoice.SubscriptionId is null ? null : state.Find<SubscriptionEntity>(invoice.SubscriptionId);
        var customer = state.Find<CustomerEntity>(invoice.CustomerId)!;
        var pmId = sub?.DefaultPaymentMethodId ?? customer.DefaultPaymentMethodId;
        var pm = pmId is null ? null : state.Find<PaymentMethodEntity>(pmId);
        long? fee = sub?.ApplicationFeePercent is { } pct
            ? (long)Math.Round(invoice.AmountDue * pct / 100m, MidpointRounding.AwayFromZero)
            : null;

        var pi = invoice.PaymentIntentId is null ? null : state.Find<PaymentIntentEntity>(invoice.PaymentIntentId);
        if (pi is null)
        {
            pi = state.Add(new PaymentIntentEntity
            {
                Id = EmulatorState.NewId("pi_"),
                Scope = invoice.Scope,
                Created = now,
                Amount = invoice.AmountDue,
                Currency = invoice.Currency,
                CustomerId = customer.Id,
                InvoiceId = invoice.Id,
                ApplicationFeeAmount = fee,
                TransferDestination = sub?.TransferDestination,
                Description = invoice.BillingReason == "subscription_create" ? "Subscription creation" : "Subscription update",
            });
            invoice.PaymentIntentId = pi.Id;
            invoice.PaymentRecordId = EmulatorState.NewId("inpay_");
        }

        invoice.AttemptCount++;
        if (pm is null)
        {
            pi.LastError = new PaymentError("invalid_request_error", "payment_method_missing", null, "The customer has no default payment method.");
            return false;
        }

        var ok = pm.Card.Charges(onSession);
        var charge = state.Add(new ChargeEntity
        {
            Id = EmulatorState.NewId("ch_"),
            Scope = invoice.Scope,
            Created = now,
            Amount = invoice.AmountDue,
            Currency = invoice.Currency,
            CustomerId = customer.Id,
            PaymentIntentId = pi.Id,
            PaymentMethodId = pm.Id,
            InvoiceId = invoice.Id,
            Status = ok ? "succeeded" : "failed",
            FailureCode = ok ? null : "card_declined",
            FailureMessage = ok ? null : "Your card was declined.",
            DeclineCode = ok ? null : pm.Card.DeclineCode ?? "generic_decline",
            ApplicationFeeAmount = fee,
            TransferDestination = sub?.TransferDestination,
            Description = pi.Description,
        });
        pi.LatestChargeId = charge.Id;
        pi.PaymentMethodId = pm.Id;
        if (ok)
        {
            pi.Status = "succeeded";
            pi.LastError = null;
            invoice.ChargeId = charge.Id;
            MarkPaid(invoice, now);
        }
        else
        {
            pi.Status = "requires_payment_method";
            pi.LastError = new PaymentError("card_error", "card_declined", charge.DeclineCode, "Your card was declined.");
        }

        return ok;
    }

    private static void MarkPaid(InvoiceEntity invoice, long now)
    {
        invoice.Status = "paid";
        invoice.AmountPaid = invoice.AmountDue;
        invoice.PaidAt = now;
        invoice.NextPaymentAttempt = null;
    }

    /// <summary>After a failed attempt: the next retry time from <see cref="StripeEmulatorOptions.PaymentRetrySchedule"/>, or none left.</summary>
    private void ScheduleRetry(InvoiceEntity invoice)
    {
        invoice.FirstFailureAt ??= state.Now;
        var schedule = state.Options.PaymentRetrySchedule;
        invoice.NextPaymentAttempt = invoice.RetriesDone < schedule.Count
            ? invoice.FirstFailureAt.Value + (long)schedule[invoice.RetriesDone].TotalSeconds
            : null;
    }

    public void EmitInvoiceOutcome(InvoiceEntity invoice)
    {
        if (invoice.Status == "paid")
        {
            state.Emit("invoice.paid", invoice);
        }
        else if (invoice.AttemptCount > 0)
        {
            state.Emit("invoice.payment_failed", invoice);
        }
    }

    public void CancelNow(SubscriptionEntity sub, string reason, string? comment = null)
    {
        if (sub.IsEnded)
        {
            return;
        }

        var now = state.Now;
        sub.Status = "canceled";
        sub.CanceledAt ??= now;
        sub.EndedAt = now;
        sub.CancellationReason = reason;
        sub.CancellationComment ??= comment;
        StopRetries(sub);
        state.Emit("customer.subscription.deleted", sub);
    }

    private void StopRetries(SubscriptionEntity sub)
    {
        foreach (var invoice in state.All<InvoiceEntity>(sub.Scope).Where(i => i.SubscriptionId == sub.Id && i.Status == "open"))
        {
            invoice.NextPaymentAttempt = null;
        }
    }

    // ------------------------------------------------------------------ updates and prorations

    /// <summary>
    /// <c>POST /v1/subscriptions/{id}</c>: metadata, description, cancel_at_period_end, default_payment_method,
    /// trial_end=now, and item changes with proration_behavior (create_prorations, always_invoice, none) and proration_date.
    /// </summary>
    public void UpdateSubscription(SubscriptionEntity sub, ParamNode p)
    {
        var now = state.Now;
        var before = state.Snapshot(sub);
        var customer = state.Find<CustomerEntity>(sub.CustomerId)!;

        if (sub.IsEnded)
        {
            var allowed = new HashSet<string> { "metadata", "cancellation_details", "expand" };
            if (p.Keys.Any(k => !allowed.Contains(k)))
            {
                throw ApiError.Invalid("A canceled subscription can only update its cancellation_details and metadata.", code: "resource_missing");
            }
        }

        var behavior = p.NonEmpty("proration_behavior") ?? "create_prorations";
        if (behavior is not ("create_prorations" or "always_invoice" or "none"))
        {
            throw ApiError.Invalid($"Invalid proration_behavior: must be one of create_prorations, always_invoice, or none", "proration_behavior");
        }

        // Validate everything before changing anything.
        var changes = ParseItemChanges(sub, p);
        string? newPm = null;
        if (p.NonEmpty("default_payment_method") is { } pmId)
        {
            var pm = state.Find<PaymentMethodEntity>(pmId, sub.Scope) ?? throw ApiError.NoSuch("PaymentMethod", pmId, "default_payment_method");
            if (pm.CustomerId != customer.Id)
            {
                throw ApiError.Invalid("The payment method must be attached to the subscription's customer.", "default_payment_method");
            }

            newPm = pm.Id;
        }

        var trialEndParam = p.Str("trial_end");
        if (trialEndParam is not null && trialEndParam != "now" && sub.Status != "trialing")
        {
            throw ApiError.Invalid("trial_end can only be changed while the subscription is trialing.", "trial_end");
        }

        p.ApplyMetadata(sub.Metadata);
        if (p.Has("description"))
        {
            sub.Description = p.NonEmpty("description");
        }

        if (p.Path("cancellation_details", "comment") is { } comment)
        {
            sub.CancellationComment = string.IsNullOrEmpty(comment.Value) ? null : comment.Value;
        }

        if (newPm is not null)
        {
            sub.DefaultPaymentMethodId = newPm;
        }

        if (p.Bool("cancel_at_period_end") is { } cancel && !sub.IsEnded)
        {
            sub.CancelAtPeriodEnd = cancel;
            sub.CanceledAt = cancel ? now : null;
            sub.CancellationReason = cancel ? "cancellation_requested" : null;
        }

        InvoiceEntity? invoice = null;
        if (changes.Count > 0)
        {
            invoice = ApplyItemChanges(sub, changes, behavior, p.Long("proration_date"));
        }

        var endTrialNow = false;
        if (trialEndParam is not null && sub.Status == "trialing")
        {
            endTrialNow = trialEndParam == "now";
            var end = endTrialNow ? now : p.Long("trial_end")!.Value;
            if (end < now)
            {
                throw ApiError.Invalid("trial_end must be in the future (or 'now').", "trial_end");
            }

            sub.TrialEnd = end;
            sub.CurrentPeriodEnd = end;
            sub.BillingCycleAnchor = end;
            sub.CycleCount = 0;
        }

        if (invoice is not null && invoice.Status != "paid")
        {
            ScheduleRetry(invoice);
            if (sub.Status is "active" or "trialing")
            {
                sub.Status = "past_due";
            }
        }

        state.EmitChanged("customer.subscription.updated", sub, before);
        if (invoice is not null)
        {
            EmitInvoiceOutcome(invoice);
        }

        if (endTrialNow)
        {
            if (sub.TrialWillEndSentFor != sub.TrialEnd)
            {
                TrialWillEnd(sub); // as Stripe does when a trial is ended at once
            }

            PeriodEnd(sub); // trial_end=now bills at once
        }
    }

    private sealed record ItemChange(SubscriptionItemEntity? Item, PriceEntity? NewPrice, long NewQuantity, bool Deleted);

    private List<ItemChange> ParseItemChanges(SubscriptionEntity sub, ParamNode p)
    {
        var changes = new List<ItemChange>();
        var items = p.List("items");
        for (var i = 0; i < items.Count; i++)
        {
            var node = items[i];
            var itemId = node.NonEmpty("id");
            var item = itemId is null ? null : sub.Items.FirstOrDefault(x => x.Id == itemId)
                ?? throw ApiError.NoSuch("subscription_item", itemId, $"items[{i}][id]");
            var deleted = node.Bool("deleted") ?? false;
            if (deleted)
            {
                if (item is null)
                {
                    throw ApiError.Missing($"items[{i}][id]");
                }

                changes.Add(new ItemChange(item, null, 0, true));
                continue;
            }

            var priceId = node.NonEmpty("price") ?? item?.PriceId ?? throw ApiError.Missing($"items[{i}][price]");
            var price = state.Find<PriceEntity>(priceId, sub.Scope) ?? throw ApiError.NoSuch("price", priceId, $"items[{i}][price]");
            if (!price.Recurring)
            {
                throw ApiError.Invalid($"The price {price.Id} is not recurring; subscriptions need recurring prices.", $"items[{i}][price]");
            }

            if (!price.Active && price.Id != item?.PriceId)
            {
                throw ApiError.Invalid($"The price {price.Id} is not active.", $"items[{i}][price]");
            }

            if (!string.Equals(price.Currency, sub.Currency, StringComparison.Ordinal))
            {
                throw ApiError.Invalid($"The price {price.Id} is in {price.Currency} but the subscription is in {sub.Currency}.", $"items[{i}][price]");
            }

            var quantity = node.Long("quantity") ?? item?.Quantity ?? 1;
            if (quantity < 0)
            {
                throw ApiError.Invalid("Quantity must be 0 or more.", $"items[{i}][quantity]");
            }

            if (item is not null && item.PriceId == price.Id && item.Quantity == quantity)
            {
                continue; // no change
            }

            changes.Add(new ItemChange(item, price, quantity, false));
        }

        if (changes.Count > 0)
        {
            var remaining = sub.Items.Where(x => !changes.Any(c => c.Deleted && c.Item == x)).ToList();
            var intervals = remaining
                .Select(x => changes.FirstOrDefault(c => c.Item == x)?.NewPrice ?? state.Find<PriceEntity>(x.PriceId)!)
                .Concat(changes.Where(c => c.Item is null).Select(c => c.NewPrice!))
                .Select(pr => (pr.Interval, pr.IntervalCount))
                .Distinct()
                .ToList();
            if (intervals.Count == 0)
            {
                throw ApiError.Invalid("A subscription needs at least one item; cancel it instead.", "items");
            }

            if (intervals.Count > 1)
            {
                throw ApiError.Invalid("All prices on a subscription must have the same recurring interval.", "items");
            }
        }

        return changes;
    }

    /// <summary>
    /// Proration: for each changed item, over the current period [start, end) and the proration time t
    /// (proration_date or now, clamped into the period), credit = round(old amount × (end − t) / (end − start))
    /// and debit = round(new amount × (end − t) / (end − start)), to the second and rounded half away from zero
    /// to the minor unit. A change of interval restarts the billing cycle at t: unused time is credited and the
    /// new price is invoiced in full for the new period, at once.
    /// </summary>
    private InvoiceEntity? ApplyItemChanges(SubscriptionEntity sub, List<ItemChange> changes, string behavior, long? prorationDate)
    {
        var now = state.Now;
        var oldPrice = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
        var start = sub.CurrentPeriodStart;
        var end = sub.CurrentPeriodEnd;
        var t = Math.Clamp(prorationDate ?? now, start, end);
        var remainingSeconds = end - t;
        var periodSeconds = end - start;
        var prorate = behavior != "none" && sub.Status is "active" or "past_due";
        var lines = new List<InvoiceLine>();
        var date = DateTimeOffset.FromUnixTimeSeconds(t).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture);

        foreach (var change in changes)
        {
            SubscriptionItemEntity item;
            if (change.Item is { } existing)
            {
                var old = state.Find<PriceEntity>(existing.PriceId)!;
                if (prorate)
                {
                    var credit = ProrationAmount(old.UnitAmount * existing.Quantity, remainingSeconds, periodSeconds);
                    if (credit != 0)
                    {
                        lines.Add(Line(sub, existing, -credit, t, end, $"Unused time on {existing.Quantity} × {ProductName(old.Id)} after {date}", proration: true));
                    }
                }

                if (change.Deleted)
                {
                    sub.Items.Remove(existing);
                    continue;
                }

                existing.PriceId = change.NewPrice!.Id;
                existing.Quantity = change.NewQuantity;
                item = existing;
            }
            else
            {
                item = state.Add(new SubscriptionItemEntity
                {
                    Id = EmulatorState.NewId("si_"),
                    Scope = sub.Scope,
                    Created = now,
                    SubscriptionId = sub.Id,
                    PriceId = change.NewPrice!.Id,
                    Quantity = change.NewQuantity,
                });
                sub.Items.Add(item);
            }

            var newPrice = change.NewPrice!;
            var intervalChanged = newPrice.Interval != oldPrice.Interval || newPrice.IntervalCount != oldPrice.IntervalCount;
            if (prorate && !intervalChanged)
            {
                var debit = ProrationAmount(newPrice.UnitAmount * item.Quantity, remainingSeconds, periodSeconds);
                if (debit != 0)
                {
                    lines.Add(Line(sub, item, debit, t, end, $"Remaining time on {item.Quantity} × {ProductName(newPrice.Id)} after {date}", proration: true));
                }
            }
        }

        var first = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
        if ((first.Interval != oldPrice.Interval || first.IntervalCount != oldPrice.IntervalCount) && sub.Status is "active" or "past_due")
        {
            // New billing cycle from now, invoiced at once.
            sub.BillingCycleAnchor = now;
            sub.CycleCount = 1;
            sub.CurrentPeriodStart = now;
            sub.CurrentPeriodEnd = AddInterval(now, first.Interval!, first.IntervalCount, 1);
            var all = sub.PendingProrations.Concat(lines).Concat(FullLines(sub)).ToList();
            sub.PendingProrations.Clear();
            var cycleInvoice = CreateInvoice(sub, "subscription_update", all, sub.CurrentPeriodStart, sub.CurrentPeriodEnd);
            PayInvoice(cycleInvoice, onSession: false);
            return cycleInvoice;
        }

        if (lines.Count == 0)
        {
            return null;
        }

        if (behavior == "always_invoice")
        {
            var all = sub.PendingProrations.Concat(lines).ToList();
            sub.PendingProrations.Clear();
            var invoice = CreateInvoice(sub, "subscription_update", all, t, end);
            PayInvoice(invoice, onSession: false);
            return invoice;
        }

        sub.PendingProrations.AddRange(lines);
        return null;
    }

    // ------------------------------------------------------------------ card updates (billing portal)

    /// <summary>Sets a new default card on the customer and their live subscriptions, then retries their failed open invoices at once.</summary>
    public void UpdateDefaultCard(CustomerEntity customer, string? cardNumber, string? name)
    {
        var card = TestCards.Classify(cardNumber);
        var pm = AttachCard(customer, card, name, customer.Email);
        customer.DefaultPaymentMethodId = pm.Id;
        foreach (var sub in state.All<SubscriptionEntity>(customer.Scope).Where(s => s.CustomerId == customer.Id && !s.IsEnded).ToList())
        {
            var before = state.Snapshot(sub);
            sub.DefaultPaymentMethodId = pm.Id;
            state.EmitChanged("customer.subscription.updated", sub, before);
        }

        foreach (var invoice in state.All<InvoiceEntity>(customer.Scope).Where(i => i.CustomerId == customer.Id && i.Status == "open" && i.AttemptCount > 0).ToList())
        {
            Retry(invoice, onSession: true, consumesSchedule: false);
        }
    }

    // ------------------------------------------------------------------ time

    /// <summary>One piece of scheduled work: when, what, on which object, and what doing it means.</summary>
    private readonly record struct Scheduled(long At, long Seq, DueWorkKind Kind, Entity Subject, Action Run);

    /// <summary>Everything the clock will do when it gets there, whenever that is (the rules <see cref="ProcessDue"/> follows).</summary>
    private IEnumerable<Scheduled> Schedule()
    {
        foreach (var sub in state.AllScopes<SubscriptionEntity>())
        {
            if (sub.Status is "active" or "past_due" or "trialing")
            {
                var kind = sub.CancelAtPeriodEnd ? DueWorkKind.CancelAtPeriodEnd : sub.Status == "trialing" ? DueWorkKind.TrialEnd : DueWorkKind.Renewal;
                yield return new Scheduled(sub.CurrentPeriodEnd, sub.Seq, kind, sub, () => PeriodEnd(sub));
            }

            // Stripe warns three days before a trial ends, or at once when the trial is shorter than that.
            if (sub.Status == "trialing" && sub.TrialEnd is { } trialEnd && sub.TrialWillEndSentFor != trialEnd)
            {
                var at = Math.Max(trialEnd - (3 * Day), sub.TrialStart ?? sub.Created);
                yield return new Scheduled(at, sub.Seq, DueWorkKind.TrialWillEnd, sub, () => TrialWillEnd(sub));
            }
        }

        foreach (var invoice in state.AllScopes<InvoiceEntity>())
        {
            if (invoice.Status == "open" && invoice.NextPaymentAttempt is { } at)
            {
                yield return new Scheduled(at, invoice.Seq, DueWorkKind.PaymentRetry, invoice, () => Retry(invoice, onSession: false, consumesSchedule: true));
            }
        }

        foreach (var session in state.AllScopes<CheckoutSessionEntity>())
        {
            if (session.Status == "open")
            {
                yield return new Scheduled(session.ExpiresAt, session.Seq, DueWorkKind.CheckoutExpiry, session, () => ExpireSession(session));
            }
        }
    }

    /// <summary>What falls due next, soonest first (ties in the order the objects were made).</summary>
    public IReadOnlyList<DueWork> Upcoming(int max) =>
        Schedule()
            .OrderBy(w => w.At)
            .ThenBy(w => w.Seq)
            .Take(max)
            .Select(w => new DueWork(DateTimeOffset.FromUnixTimeSeconds(w.At), w.Kind, w.Subject.Id, w.Subject.Scope))
            .ToList();

    /// <summary>Processes, in time order, everything due at or before the clock's time.</summary>
    public void ProcessDue()
    {
        for (var guard = 0; guard < 100_000; guard++)
        {
            var now = state.Clock.UnixNow;
            Scheduled? next = null;
            foreach (var work in Schedule())
            {
                if (work.At <= now && (next is not { } best || work.At < best.At || (work.At == best.At && work.Seq < best.Seq)))
                {
                    next = work;
                }
            }

            if (next is not { } action)
            {
                return;
            }

            state.MarkDirty();
            using (state.At(action.At))
            {
                action.Run();
            }
        }

        throw new InvalidOperationException("The emulator's clock processing did not settle.");
    }

    private void TrialWillEnd(SubscriptionEntity sub)
    {
        sub.TrialWillEndSentFor = sub.TrialEnd;
        state.Emit("customer.subscription.trial_will_end", sub);
    }

    /// <summary>The current period ended: cancel (cancel_at_period_end), or renew and invoice (trials end the same way).</summary>
    private void PeriodEnd(SubscriptionEntity sub)
    {
        if (sub.CancelAtPeriodEnd)
        {
            sub.Status = "canceled";
            sub.EndedAt = sub.CurrentPeriodEnd;
            sub.CanceledAt ??= state.Now;
            sub.CancellationReason ??= "cancellation_requested";
            StopRetries(sub);
            state.Emit("customer.subscription.deleted", sub);
            return;
        }

        var before = state.Snapshot(sub);
        var price = state.Find<PriceEntity>(sub.Items[0].PriceId)!;
        sub.CurrentPeriodStart = sub.CurrentPeriodEnd;
        sub.CycleCount++;
        sub.CurrentPeriodEnd = AddInterval(sub.BillingCycleAnchor, price.Interval!, price.IntervalCount, sub.CycleCount);
        var lines = sub.PendingProrations.Concat(FullLines(sub)).ToList();
        sub.PendingProrations.Clear();
        var invoice = CreateInvoice(sub, "subscription_cycle", lines, sub.CurrentPeriodStart, sub.CurrentPeriodEnd);
        if (PayInvoice(invoice, onSession: false))
        {
            sub.Status = "active";
        }
        else
        {
            sub.Status = "past_due";
            ScheduleRetry(invoice);
        }

        state.EmitChanged("customer.subscription.updated", sub, before);
        EmitInvoiceOutcome(invoice);
    }

    /// <summary>Retries an open invoice; when the last scheduled retry fails, applies <see cref="StripeEmulatorOptions.FinalPaymentFailureAction"/>.</summary>
    public void Retry(InvoiceEntity invoice, bool onSession, bool consumesSchedule)
    {
        var sub = invoice.SubscriptionId is null ? null : state.Find<SubscriptionEntity>(invoice.SubscriptionId);
        var before = sub is null ? null : state.Snapshot(sub);
        if (consumesSchedule)
        {
            invoice.RetriesDone++;
        }

        var paid = PayInvoice(invoice, onSession);
        if (paid)
        {
            if (sub is not null && sub.Status is "past_due" or "unpaid" && sub.LatestInvoiceId == invoice.Id)
            {
                sub.Status = "active";
            }

            if (sub is not null)
            {
                state.EmitChanged("customer.subscription.updated", sub, before!);
            }

            EmitInvoiceOutcome(invoice);
            return;
        }

        if (consumesSchedule || invoice.NextPaymentAttempt is not null)
        {
            ScheduleRetry(invoice);
        }

        EmitInvoiceOutcome(invoice);
        if (sub is null || sub.IsEnded || invoice.NextPaymentAttempt is not null || !consumesSchedule)
        {
            return;
        }

        switch (state.Options.FinalPaymentFailureAction)
        {
            case FinalPaymentFailureAction.Cancel:
                CancelNow(sub, "payment_failed");
                break;
            case FinalPaymentFailureAction.MarkUnpaid:
                sub.Status = "unpaid";
                state.EmitChanged("customer.subscription.updated", sub, before!);
                break;
        }
    }

}
