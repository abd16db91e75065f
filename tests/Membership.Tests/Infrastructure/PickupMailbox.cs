using System.Text.RegularExpressions;
using MimeKit;

namespace Membership.Tests.Infrastructure;

/// <summary>Reads the .eml files the site wrote to its pickup folder.</summary>
public sealed partial class PickupMailbox(string directory)
{
    public string Directory { get; } = directory;

    public IReadOnlyList<MimeMessage> All()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.GetFiles(Directory, "*.eml")
            .Order(StringComparer.Ordinal)
            .Select(path => MimeMessage.Load(path))
            .ToList();
    }

    public IReadOnlyList<MimeMessage> To(string address) =>
        All().Where(m => m.To.Mailboxes.Any(x => string.Equals(x.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>
    /// The newest message to <paramref name="address"/> with <paramref name="subject"/>, waiting
    /// (10 s at most) for the site's outbox, which sends in the background.
    /// </summary>
    public MimeMessage WaitFor(string address, string subject)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var message = To(address).LastOrDefault(m => m.Subject == subject);
            if (message is not null)
            {
                return message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"No email \"{subject}\" to {address} within 10 s.");
            }

            System.Threading.Tasks.Task.Delay(20).Wait();
        }
    }

    /// <summary>The first link in the newest message to <paramref name="address"/> whose subject is <paramref name="subject"/>.</summary>
    public string LinkIn(string address, string subject)
    {
        var message = WaitFor(address, subject);
        var match = Link().Match(message.TextBody ?? "");
        Assert.True(match.Success, $"No link in \"{subject}\": {message.TextBody}");
        return match.Value;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Link();
}
