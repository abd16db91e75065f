using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

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
