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

    /// <summary>The first link in the newest message to <paramref name="address"/> whose subject is <paramref name="subject"/>.</summary>
    public string LinkIn(string address, string subject)
    {
        var message = To(address).LastOrDefault(m => m.Subject == subject)
            ?? throw new InvalidOperationException($"No email \"{subject}\" to {address}.");
        var match = Link().Match(message.TextBody ?? "");
        Assert.True(match.Success, $"No link in \"{subject}\": {message.TextBody}");
        return match.Value;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Link();
}
