using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class PostConfiguration : IEntityTypeConfiguration<Post>
{
    public void Configure(EntityTypeBuilder<Post> builder)
    {
        builder.Property(p => p.Title).HasMaxLength(200).IsRequired();
        builder.Property(p => p.Slug).HasMaxLength(120).IsRequired();
        builder.HasIndex(p => new { p.CreatorId, p.Slug }).IsUnique();
        builder.HasIndex(p => new { p.CreatorId, p.Status, p.PublishedAt });
        builder.HasIndex(p => new { p.Status, p.ScheduledAt });
        builder.Property(p => p.Excerpt).HasMaxLength(500);
        builder.Property(p => p.Access).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
        builder.HasOne(p => p.Creator).WithMany().HasForeignKey(p => p.CreatorId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(p => p.Tiers).WithOne(t => t.Post).HasForeignKey(t => t.PostId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(p => p.Attachments).WithOne(a => a.Post).HasForeignKey(a => a.PostId).OnDelete(DeleteBehavior.Cascade);
    }
}
