using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    public void Configure(EntityTypeBuilder<Member> builder)
    {
        builder.Property(m => m.UserId).HasMaxLength(450).IsRequired();
        // One membership per fan per creator: following twice must not make two members.
        builder.HasIndex(m => new { m.CreatorId, m.UserId }).IsUnique();
        builder.HasIndex(m => new { m.TierId, m.Status });
        builder.Property(m => m.FeedToken).HasMaxLength(64);
        builder.HasIndex(m => m.FeedToken).IsUnique();
        builder.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.Notes).HasMaxLength(4000).HasDefaultValue("");
        // The roster's keyset pages: newest joined, and most paid.
        builder.HasIndex(m => new { m.CreatorId, m.JoinedAt, m.Id });
        builder.HasIndex(m => new { m.CreatorId, m.LifetimePaidMinor, m.Id });
        builder.Property(m => m.DisplayName).HasMaxLength(80).HasDefaultValue("");
        builder.Property(m => m.ImportedFrom).HasMaxLength(255);
        builder.HasIndex(m => new { m.CreatorId, m.DisplayName, m.Id });
        // The roster's total and status filters count within a creator by status.
        builder.HasIndex(m => new { m.CreatorId, m.Status });
        builder.HasOne(m => m.Creator).WithMany().HasForeignKey(m => m.CreatorId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.Tier).WithMany().HasForeignKey(m => m.TierId).OnDelete(DeleteBehavior.Restrict);
    }
}
