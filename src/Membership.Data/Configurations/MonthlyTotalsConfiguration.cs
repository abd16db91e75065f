using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class CreatorMonthTotalConfiguration : IEntityTypeConfiguration<CreatorMonthTotal>
{
    public void Configure(EntityTypeBuilder<CreatorMonthTotal> builder)
    {
        builder.HasKey(t => new { t.CreatorId, t.Month });
        builder.HasOne<Creator>().WithMany().HasForeignKey(t => t.CreatorId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CohortMonthTotalConfiguration : IEntityTypeConfiguration<CohortMonthTotal>
{
    public void Configure(EntityTypeBuilder<CohortMonthTotal> builder)
    {
        builder.HasKey(t => new { t.CreatorId, t.CohortMonth, t.Month });
        builder.HasOne<Creator>().WithMany().HasForeignKey(t => t.CreatorId).OnDelete(DeleteBehavior.Cascade);
    }
}
