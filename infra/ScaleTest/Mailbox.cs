using MimeKit;

namespace Membership.ScaleTest;

/// <summary>The SMTP sink's Maildir, read back: copies per recipient address, and whether each carries a one-click unsubscribe link of its own.</summary>
internal sealed record Mailbox(int Messages, Dictionary<string, int> CopiesByAddress, int WithoutUnsubscribe, int SharedUnsubscribeLinks)
{
    public static Mailbox Read(string maildir)
    {
        var copies = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var linkOwners = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var messages = 0;
        var withoutUnsubscribe = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(maildir, "new")))
        {
            using var stream = File.OpenRead(file);
            var headers = HeaderList.Load(stream);
            messages++;
            var addresses = InternetAddressList.Parse(headers[HeaderId.To] ?? "").Mailboxes.Select(m => m.Address.ToLowerInvariant()).ToList();
            foreach (var address in addresses)
            {
                copies[address] = copies.GetValueOrDefault(address) + 1;
            }

            var unsubscribe = headers["List-Unsubscribe"];
            if (string.IsNullOrEmpty(unsubscribe) || headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click")
            {
                withoutUnsubscribe++;
            }
            else
            {
                if (!linkOwners.TryGetValue(unsubscribe, out var owners))
                {
                    linkOwners[unsubscribe] = owners = new HashSet<string>(StringComparer.Ordinal);
                }

                owners.UnionWith(addresses);
            }
        }

        // Each recipient's link is their own: one link shared by two addresses would let one unsubscribe the other.
        return new Mailbox(messages, copies, withoutUnsubscribe, linkOwners.Count(l => l.Value.Count > 1));
    }
}
