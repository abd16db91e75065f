using System.Data.Common;
using Membership.Data;
using Membership.Data.Entities;
using Membership.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Membership.Tests.Email;

/// <summary>
/// A "sent" mark the database refuses (a trigger here; a full disk or a lost server in life):
/// the message after it on that connection is held back unfinished, so the only extra copy is the
/// one the server had already accepted — the documented window of one per connection — and
/// the job's retry sends the rest once.
/// </summary>
public sealed class MarkFailureTests
{
    [Fact]
    public async Task MarkRefused_TheNextMessageIsNotDelivered_TheRetrySendsTheRestOnce()
    {
        await using var smtp = await SmtpServer.StartNewAsync();
        var settings = EmailScenario.SmtpSettings(smtp);
        settings["Email:Smtp:Connections"] = "1";
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using var site = new MembershipFactory { ExtraSettings = settings, Clock = clock };
        var scenario = await new EmailScenario(site).BuildAsync();
        for (var i = 0; i < 4; i++)
        {
            await scenario.AddFanAsync($"extra{i}", MemberStatus.Following, null);
        }

        var postId = await scenario.PublishAndEmailAsync("refused", "Members", "SECRET-m");
        var deliveryId = await scenario.DeliveryIdAsync(postId);
        var recipients = await site.WithDbAsync(db => db.EmailRecipients.Where(r => r.DeliveryId == deliveryId).OrderBy(r => r.Id).Select(r => new { r.Id, r.Email }).ToListAsync());
        Assert.True(recipients.Count >= 6, $"{recipients.Count} recipients");
        var refused = recipients[2];
        await site.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(RefuseMarkSql(site.Provider, refused.Id)));

        await Assert.ThrowsAnyAsync<DbException>(() => scenario.SendAsync(deliveryId));

        // The first two, and the refused one (accepted before its mark failed); the fourth was held back.
        Assert.Equal(recipients.Take(3).Select(r => r.Email.ToLowerInvariant()), smtp.Recipients());
        var counts = await scenario.StatusCountsAsync(deliveryId);
        Assert.Equal(2, counts[RecipientStatus.Sent]);
        Assert.Equal(recipients.Count - 2, counts[RecipientStatus.Pending]);

        await site.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(site.Provider == DatabaseProvider.PostgreSql
            ? "DROP TRIGGER refuse_mark ON \"EmailRecipients\"" : "DROP TRIGGER refuse_mark"));
        // The refused row stays claimed by the failed run until its lease ends (10 minutes); then the retry takes it.
        clock.Advance(TimeSpan.FromMinutes(11));
        await scenario.SendAsync(deliveryId);

        var delivered = smtp.Recipients();
        Assert.Equal(recipients.Select(r => r.Email.ToLowerInvariant()).Order(), delivered.Distinct().Order());
        Assert.Equal(refused.Email.ToLowerInvariant(), Assert.Single(delivered.GroupBy(address => address), g => g.Count() > 1).Key);
        Assert.Equal(2, delivered.Count(address => address == refused.Email.ToLowerInvariant()));
        Assert.Equal(recipients.Count, (await scenario.StatusCountsAsync(deliveryId))[RecipientStatus.Sent]);
    }

    private static string RefuseMarkSql(DatabaseProvider provider, long recipientId) => provider == DatabaseProvider.PostgreSql
        ? $$"""
            CREATE FUNCTION refuse_mark() RETURNS trigger AS $body$
            BEGIN
                IF NEW."Status" = 'Sent' AND OLD."Id" = {{recipientId}} THEN
                    RAISE EXCEPTION 'the test refuses this mark';
                END IF;
                RETURN NEW;
            END
            $body$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_mark BEFORE UPDATE ON "EmailRecipients" FOR EACH ROW EXECUTE FUNCTION refuse_mark();
            """
        : $"""
            CREATE TRIGGER refuse_mark BEFORE UPDATE OF "Status" ON "EmailRecipients"
            WHEN NEW."Status" = 'Sent' AND OLD."Id" = {recipientId}
            BEGIN SELECT RAISE(ABORT, 'the test refuses this mark'); END;
            """;
}
