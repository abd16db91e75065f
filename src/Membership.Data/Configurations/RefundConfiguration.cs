using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

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
