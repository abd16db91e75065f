using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

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
