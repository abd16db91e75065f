using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class EmailDeliveryConfiguration : IEntityTypeConfiguration<EmailDelivery>
{
    public void Configure(EntityTypeBuilder<EmailDelivery> builder)
    {
        builder.HasIndex(d => d.PostId).IsUnique();
        builder.HasOne(d => d.Post).WithMany().HasForeignKey(d => d.PostId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Recipients).WithOne(r => r.Delivery).HasForeignKey(r => r.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class EmailRecipientConfiguration : IEntityTypeConfiguration<EmailRecipient>
{
    public void Configure(EntityTypeBuilder<EmailRecipient> builder)
    {
        builder.Property(r => r.Email).HasMaxLength(256).IsRequired();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.LastError).HasMaxLength(500);
        builder.Property(r => r.ClaimedBy).HasMaxLength(64);
        // One copy per member per delivery: recording twice cannot make a second email.
        builder.HasIndex(r => new { r.DeliveryId, r.MemberId }).IsUnique();
        builder.HasIndex(r => new { r.DeliveryId, r.Status });
        builder.HasOne(r => r.Member).WithMany().HasForeignKey(r => r.MemberId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class EmailSuppressionConfiguration : IEntityTypeConfiguration<EmailSuppression>
{
    public void Configure(EntityTypeBuilder<EmailSuppression> builder)
    {
        builder.Property(s => s.NormalizedEmail).HasMaxLength(256).IsRequired();
        builder.HasIndex(s => s.NormalizedEmail).IsUnique();
        builder.Property(s => s.Reason).HasMaxLength(500);
    }
}
