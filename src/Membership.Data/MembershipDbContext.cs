using Membership.Data.Entities;
using Membership.Data.Totals;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
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

    public DbSet<CreatorMonthTotal> CreatorMonthTotals => Set<CreatorMonthTotal>();

    public DbSet<CohortMonthTotal> CohortMonthTotals => Set<CohortMonthTotal>();

    public DbSet<FormSubmission> FormSubmissions => Set<FormSubmission>();

    public DbSet<UserSession> UserSessions => Set<UserSession>();

    /// <summary>
    /// Saves, and in the same transaction keeps what is copied for speed: when the save adds
    /// history, payments or refunds or changes followers, adds what it changes to the monthly
    /// totals (<see cref="MonthlyTotalsUpkeep"/>); members carry their account's name
    /// (<see cref="MemberNames"/>).
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (ChangeTracker.AutoDetectChangesEnabled)
        {
            ChangeTracker.DetectChanges();
        }

        var names = await MemberNames.PrepareAsync(this, cancellationToken);
        var upkeep = MonthlyTotalsUpkeep.Collect(ChangeTracker);
        if (upkeep is null && !names.HasRenames)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        async Task AlsoAsync(CancellationToken token)
        {
            await names.ApplyAsync(this, token);
            if (upkeep is not null)
            {
                await upkeep.ApplyAsync(this, token);
            }
        }

        if (Database.CurrentTransaction is not null)
        {
            var saved = await base.SaveChangesAsync(false, cancellationToken);
            await AlsoAsync(cancellationToken);
            if (acceptAllChangesOnSuccess)
            {
                ChangeTracker.AcceptAllChanges();
            }

            return saved;
        }

        // Under the provider's execution strategy (SQL Server retries): a retry saves again from
        // the unaccepted changes, so nothing is counted twice.
        var count = await Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await Database.BeginTransactionAsync(token);
            var saved = await base.SaveChangesAsync(false, token);
            await AlsoAsync(token);
            await transaction.CommitAsync(token);
            return saved;
        }, cancellationToken);
        if (acceptAllChangesOnSuccess)
        {
            ChangeTracker.AcceptAllChanges();
        }

        return count;
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<AppUser>().Property(u => u.DisplayName).HasMaxLength(80).IsRequired();
        builder.Entity<AppUser>().Property(u => u.StripeCustomerId).HasMaxLength(100);
        // Identity's passkeys table, mapped as its schema version 3 maps it. The rest of Identity's
        // tables stay at the version they were created with: switching the whole schema version
        // would also shorten existing key columns, and it is read from the site's options, which
        // `dotnet ef` does not have.
        builder.Entity<IdentityUserPasskey<string>>(passkey =>
        {
            passkey.HasKey(p => p.CredentialId);
            passkey.ToTable("AspNetUserPasskeys");
            // The WebAuthn limit: a credential id is at most 1023 bytes.
            passkey.Property(p => p.CredentialId).HasMaxLength(1024);
            passkey.Property(p => p.UserId).HasMaxLength(450);
            passkey.OwnsOne(p => p.Data).ToJson();
            passkey.HasOne<AppUser>().WithMany().HasForeignKey(p => p.UserId).IsRequired().OnDelete(DeleteBehavior.Cascade);
        });
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
