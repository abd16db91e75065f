using Membership.Data.Entities;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Membership.Data;

/// <summary>
/// The one database of the site: accounts (Identity), creators, tiers, members, and the
/// data-protection keys every node shares.
/// </summary>
/// <remarks>
/// Migrations live in one project per provider, with the same names in each. After a model
/// change, add the migration to all three (from the repository root):
/// <code>
/// dotnet ef migrations add NAME --project src/Membership.Data.Sqlite
/// dotnet ef migrations add NAME --project src/Membership.Data.SqlServer
/// dotnet ef migrations add NAME --project src/Membership.Data.PostgreSql
/// </code>
/// (<c>infra/add-migration.sh NAME</c> runs the three.)
/// </remarks>
public class MembershipDbContext(DbContextOptions<MembershipDbContext> options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Creator> Creators => Set<Creator>();

    public DbSet<Tier> Tiers => Set<Tier>();

    public DbSet<Member> Members => Set<Member>();

    public DbSet<TierPrice> TierPrices => Set<TierPrice>();

    public DbSet<CheckoutAttempt> CheckoutAttempts => Set<CheckoutAttempt>();

    public DbSet<Subscription> Subscriptions => Set<Subscription>();

    public DbSet<StripeEvent> StripeEvents => Set<StripeEvent>();

    public DbSet<Payment> Payments => Set<Payment>();

    public DbSet<Refund> Refunds => Set<Refund>();

    public DbSet<MembershipChange> MembershipChanges => Set<MembershipChange>();

    public DbSet<MonthlyReport> MonthlyReports => Set<MonthlyReport>();

    public DbSet<RenewalReminder> RenewalReminders => Set<RenewalReminder>();

    public DbSet<Post> Posts => Set<Post>();

    public DbSet<PostTier> PostTiers => Set<PostTier>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<EmailDelivery> EmailDeliveries => Set<EmailDelivery>();

    public DbSet<EmailRecipient> EmailRecipients => Set<EmailRecipient>();

    public DbSet<EmailSuppression> EmailSuppressions => Set<EmailSuppression>();

    public DbSet<OutboxEmail> OutboxEmails => Set<OutboxEmail>();

    public DbSet<MagicLinkToken> MagicLinkTokens => Set<MagicLinkToken>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<AppUser>().Property(u => u.DisplayName).HasMaxLength(80).IsRequired();
        builder.Entity<AppUser>().Property(u => u.StripeCustomerId).HasMaxLength(100);
        builder.ApplyConfigurationsFromAssembly(typeof(MembershipDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every instant is UTC. SQLite hands DateTime back as Unspecified; this marks it Utc on
        // every provider so comparisons and PostgreSQL's timestamptz both stay correct.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter()
        : ValueConverter<DateTime, DateTime>(
            value => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc),
            value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
