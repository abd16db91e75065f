using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class CreatorConfiguration : IEntityTypeConfiguration<Creator>
{
    public void Configure(EntityTypeBuilder<Creator> builder)
    {
        builder.Property(c => c.Handle).HasMaxLength(30).IsRequired();
        builder.HasIndex(c => c.Handle).IsUnique();
        builder.Property(c => c.DisplayName).HasMaxLength(80).IsRequired();
        builder.Property(c => c.Bio).HasMaxLength(2000);
        builder.Property(c => c.Currency).HasMaxLength(3).IsFixedLength().IsRequired();
        builder.Property(c => c.UserId).HasMaxLength(450).IsRequired();
        builder.HasIndex(c => c.UserId).IsUnique();
        builder.Property(c => c.StripeAccountId).HasMaxLength(100);
        builder.Property(c => c.StripePortalConfigurationId).HasMaxLength(100);
        builder.Property(c => c.StripePortalFingerprint).HasMaxLength(64);
        builder.HasIndex(c => c.StripeAccountId).IsUnique();
        builder.HasOne(c => c.User).WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(c => c.Tiers).WithOne(t => t.Creator).HasForeignKey(t => t.CreatorId).OnDelete(DeleteBehavior.Restrict);
    }
}
