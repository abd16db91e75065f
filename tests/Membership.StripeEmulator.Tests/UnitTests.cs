using Membership.StripeEmulator.Internal;
using Stripe;

namespace Membership.StripeEmulator.Tests;

public sealed class UnitTests
{
    [Fact]
    public void Monthly_periods_follow_the_anchor_and_clamp_to_month_end()
    {
        var jan31 = new DateTimeOffset(2031, 1, 31, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        DateTimeOffset At(long n) => DateTimeOffset.FromUnixTimeSeconds(Billing.AddInterval(jan31, "month", 1, n));
        Assert.Equal(new DateTimeOffset(2031, 2, 28, 9, 0, 0, TimeSpan.Zero), At(1));
        Assert.Equal(new DateTimeOffset(2031, 3, 31, 9, 0, 0, TimeSpan.Zero), At(2));
        Assert.Equal(new DateTimeOffset(2031, 4, 30, 9, 0, 0, TimeSpan.Zero), At(3));
        Assert.Equal(new DateTimeOffset(2031, 2, 14, 9, 0, 0, TimeSpan.Zero), DateTimeOffset.FromUnixTimeSeconds(Billing.AddInterval(jan31, "week", 2, 1)));
        Assert.Equal(new DateTimeOffset(2032, 1, 31, 9, 0, 0, TimeSpan.Zero), DateTimeOffset.FromUnixTimeSeconds(Billing.AddInterval(jan31, "year", 1, 1)));
    }

    [Fact]
    public void Proration_amounts_round_half_away_from_zero()
    {
        Assert.Equal(500, Billing.ProrationAmount(1000, 50, 100));
        Assert.Equal(677, Billing.ProrationAmount(1000, 21 * 86_400, 31 * 86_400));
        Assert.Equal(2, Billing.ProrationAmount(3, 1, 2)); // 1.5 → 2
        Assert.Equal(3, Billing.ProrationAmount(5, 1, 2)); // 2.5 → 3 (not banker's 2)
        Assert.Equal(0, Billing.ProrationAmount(1000, 0, 100));
    }

    [Fact]
    public void The_clock_runs_with_real_time_unless_frozen_and_never_goes_back()
    {
        var real = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new EmulatorClock(new DateTimeOffset(2031, 6, 1, 0, 0, 0, TimeSpan.Zero), frozen: false, () => real);
        Assert.Equal(new DateTimeOffset(2031, 6, 1, 0, 0, 0, TimeSpan.Zero), clock.UtcNow);
        real = real.AddMinutes(5);
        Assert.Equal(new DateTimeOffset(2031, 6, 1, 0, 5, 0, TimeSpan.Zero), clock.UtcNow);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(new DateTimeOffset(2031, 6, 2, 0, 5, 0, TimeSpan.Zero), clock.UtcNow);
        clock.Freeze();
        real = real.AddHours(1);
        Assert.Equal(new DateTimeOffset(2031, 6, 2, 0, 5, 0, TimeSpan.Zero), clock.UtcNow);
        clock.Unfreeze();
        real = real.AddSeconds(10);
        Assert.Equal(new DateTimeOffset(2031, 6, 2, 0, 5, 10, TimeSpan.Zero), clock.UtcNow);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.AdvanceTo(clock.UtcNow.AddDays(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Subscription_items_can_be_listed_and_changed()
    {
        await using var h = await Harness.StartAsync();
        var basic = await h.CreateMonthlyPriceAsync(1000);
        var premium = await h.CreateMonthlyPriceAsync(2000, productId: basic.ProductId);
        var sub = await h.SubscribeAsync(price: basic);
        var items = new SubscriptionItemService(h.Client);
        var listed = await items.ListAsync(new SubscriptionItemListOptions { Subscription = sub.Id });
        var item = Assert.Single(listed.Data);
        Assert.Equal(sub.Items.Data[0].Id, item.Id);
        Assert.Equal(sub.Id, item.Subscription);

        var changed = await items.UpdateAsync(item.Id, new SubscriptionItemUpdateOptions { Price = premium.Id, ProrationBehavior = "none" });
        Assert.Equal(premium.Id, changed.Price.Id);
        Assert.Equal(premium.Id, (await items.GetAsync(item.Id)).Price.Id);
        Assert.Single(await new InvoiceService(h.Client).ListAsync(new InvoiceListOptions { Subscription = sub.Id }));

        var wrongCurrency = await new PriceService(h.Client).CreateAsync(new PriceCreateOptions { Product = basic.ProductId, Currency = "eur", UnitAmount = 100, Recurring = new PriceRecurringOptions { Interval = "month" } });
        var ex = await Assert.ThrowsAsync<StripeException>(() => items.UpdateAsync(item.Id, new SubscriptionItemUpdateOptions { Price = wrongCurrency.Id }));
        Assert.Equal("items[0][price]", ex.StripeError.Param);
    }

    [Fact]
    public async Task Auto_paging_walks_every_page()
    {
        await using var h = await Harness.StartAsync();
        var products = new ProductService(h.Client);
        for (var i = 0; i < 25; i++)
        {
            await products.CreateAsync(new ProductCreateOptions { Name = "P" + i });
        }

        var names = new List<string>();
        await foreach (var p in products.ListAutoPagingAsync(new ProductListOptions { Limit = 10 }))
        {
            names.Add(p.Name);
        }

        Assert.Equal(25, names.Count);
        Assert.Equal("P24", names[0]);
        Assert.Equal("P0", names[^1]);
        var firstPage = await products.ListAsync(new ProductListOptions { Limit = 10 });
        Assert.True(firstPage.HasMore);
    }
}
