using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class MonthlyReportConfiguration : IEntityTypeConfiguration<MonthlyReport>
{
    public void Configure(EntityTypeBuilder<MonthlyReport> builder)
    {
        builder.HasIndex(r => new { r.CreatorId, r.Month }).IsUnique();
        builder.HasOne<Creator>().WithMany().HasForeignKey(r => r.CreatorId).OnDelete(DeleteBehavior.Cascade);
    }
}
