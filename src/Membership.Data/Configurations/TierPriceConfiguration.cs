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
