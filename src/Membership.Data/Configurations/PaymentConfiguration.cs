using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

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
