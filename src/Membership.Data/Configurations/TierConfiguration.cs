using System.Text.Json;
using Membership.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Membership.Data.Configurations;

public sealed class TierConfiguration : IEntityTypeConfiguration<Tier>
{
    public void Configure(EntityTypeBuilder<Tier> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(60).IsRequired();
        builder.Property(t => t.NormalizedName).HasMaxLength(60).IsRequired();
        builder.HasIndex(t => new { t.CreatorId, t.NormalizedName }).IsUnique();
        builder.HasIndex(t => new { t.CreatorId, t.SortOrder });
        builder.Property(t => t.Description).HasMaxLength(2000);
        builder.Ignore(t => t.IsArchived);
        builder.Property(t => t.StripeProductId).HasMaxLength(100);

        // Benefits are a short ordered list read and written with the tier, so one JSON
        // column (the same text on every provider) beats a child table.
        builder.Property(t => t.Benefits)
            .HasConversion(
                list => JsonSerializer.Serialize(list, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<List<string>>(json, JsonSerializerOptions.Default) ?? new List<string>(),
                new ValueComparer<List<string>>(
                    (a, b) => a!.SequenceEqual(b!),
                    list => list.Aggregate(0, (hash, item) => HashCode.Combine(hash, item.GetHashCode())),
                    list => list.ToList()))
            .HasMaxLength(4000)
            .IsRequired();
    }
}
