using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class PostTierConfiguration : IEntityTypeConfiguration<PostTier>
{
    public void Configure(EntityTypeBuilder<PostTier> builder)
    {
        builder.HasKey(t => new { t.PostId, t.TierId });
        builder.HasOne(t => t.Tier).WithMany().HasForeignKey(t => t.TierId).OnDelete(DeleteBehavior.Restrict);
    }
}
