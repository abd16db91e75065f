using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class TierPriceConfiguration : IEntityTypeConfiguration<TierPrice>
{
    public void Configure(EntityTypeBuilder<TierPrice> builder)
    {
        builder.Property(p => p.Interval).HasConversion<string>().HasMaxLength(10);
        builder.Property(p => p.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.Property(p => p.StripePriceId).HasMaxLength(100);
        builder.HasIndex(p => p.StripePriceId).IsUnique();
        builder.HasIndex(p => new { p.TierId, p.Interval, p.RetiredAt });
        builder.HasOne(p => p.Tier).WithMany().HasForeignKey(p => p.TierId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CheckoutAttemptConfiguration : IEntityTypeConfiguration<CheckoutAttempt>
{
    public void Configure(EntityTypeBuilder<CheckoutAttempt> builder)
    {
        builder.Property(a => a.UserId).HasMaxLength(450).IsRequired();
        builder.Property(a => a.StripeSessionId).HasMaxLength(200);
        builder.HasIndex(a => a.StripeSessionId).IsUnique();
        builder.Property(a => a.CheckoutUrl).HasMaxLength(2000);
        builder.HasIndex(a => new { a.TierId, a.CompletedAt, a.ExpiresAt });
        builder.HasOne(a => a.TierPrice).WithMany().HasForeignKey(a => a.TierPriceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.Property(s => s.StripeSubscriptionId).HasMaxLength(100).IsRequired();
        builder.HasIndex(s => s.StripeSubscriptionId).IsUnique();
        builder.Property(s => s.StripeCustomerId).HasMaxLength(100).IsRequired();
        builder.Property(s => s.Interval).HasConversion<string>().HasMaxLength(10);
        builder.Property(s => s.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.Property(s => s.Status).HasMaxLength(30).IsRequired();
        builder.Property(s => s.Version).IsConcurrencyToken();
        builder.HasIndex(s => new { s.CreatorId, s.Status });
        builder.HasIndex(s => s.MemberId);
        builder.HasOne(s => s.Member).WithMany().HasForeignKey(s => s.MemberId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(s => s.Tier).WithMany().HasForeignKey(s => s.TierId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(s => s.TierPrice).WithMany().HasForeignKey(s => s.TierPriceId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class StripeEventConfiguration : IEntityTypeConfiguration<StripeEvent>
{
    public void Configure(EntityTypeBuilder<StripeEvent> builder)
    {
        builder.Property(e => e.Id).HasMaxLength(100);
        builder.Property(e => e.Type).HasMaxLength(100).IsRequired();
        builder.Property(e => e.Account).HasMaxLength(100);
        builder.Property(e => e.ObjectId).HasMaxLength(100).IsRequired();
        builder.Property(e => e.LastError).HasMaxLength(1000);
        builder.HasIndex(e => new { e.ProcessedAt, e.ReceivedAt });
    }
}

public sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> builder)
    {
        builder.Property(p => p.StripeInvoiceId).HasMaxLength(100).IsRequired();
        builder.HasIndex(p => p.StripeInvoiceId).IsUnique();
        builder.Property(p => p.StripeChargeId).HasMaxLength(100);
        builder.HasIndex(p => p.StripeChargeId);
        builder.Property(p => p.StripeSubscriptionId).HasMaxLength(100);
        builder.Property(p => p.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.Property(p => p.BillingReason).HasMaxLength(50).IsRequired();
        builder.HasIndex(p => new { p.CreatorId, p.PaidAt });
        builder.HasOne(p => p.Member).WithMany().HasForeignKey(p => p.MemberId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(p => p.Refunds).WithOne(r => r.Payment).HasForeignKey(r => r.PaymentId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.Property(r => r.StripeRefundId).HasMaxLength(100).IsRequired();
        builder.HasIndex(r => r.StripeRefundId).IsUnique();
        builder.Property(r => r.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.HasIndex(r => new { r.CreatorId, r.RefundedAt });
    }
}

public sealed class MembershipChangeConfiguration : IEntityTypeConfiguration<MembershipChange>
{
    public void Configure(EntityTypeBuilder<MembershipChange> builder)
    {
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.StripeSubscriptionId).HasMaxLength(100);
        builder.Property(c => c.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.HasIndex(c => new { c.CreatorId, c.OccurredAt });
        builder.HasIndex(c => new { c.MemberId, c.OccurredAt });
        builder.HasOne(c => c.Member).WithMany().HasForeignKey(c => c.MemberId).OnDelete(DeleteBehavior.Restrict);
    }
}
