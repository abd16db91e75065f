using Membership.Web.Infrastructure;
using Membership.Web.Infrastructure.Email;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Membership.Tests.Email;

/// <summary>
/// The MIME message a connection refills for each email: what goes on the wire for the second
/// email is that email alone — nothing of the first one's recipient, id, headers or bodies —
/// and reads back like a message built fresh from it.
/// </summary>
public sealed class ReusedMimeMessageTests
{
    private readonly MimeMessageFactory _factory = new(Options.Create(new EmailSettings { FromAddress = "posts@membership.test", FromName = "Membership" }));

    private static EmailMessage First => new("ann@example.test", "Episode one", "Hello Ann, text body " + new string('a', 2000), "<p>Hello Ann</p><p>" + new string('b', 3000) + "</p>")
    {
        MessageId = "post-1-1@membership.test",
        Headers = new Dictionary<string, string>
        {
            ["List-Unsubscribe"] = "<https://members.test/email/unsubscribe/ANN-TOKEN>",
            ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
            ["X-Only-In-The-First"] = "first",
        },
    };

    // Not ASCII, and a line far longer than SMTP allows: the encoding must be chosen again for it.
    private static EmailMessage Second => new("zoe@example.test", "Episode one", "Hello Zoë, " + new string('c', 1200), "<p>Hello Zoë</p>" + new string('d', 1500))
    {
        MessageId = "post-1-2@membership.test",
        Headers = new Dictionary<string, string>
        {
            ["List-Unsubscribe"] = "<https://members.test/email/unsubscribe/ZOE-TOKEN>",
            ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
        },
    };

    [Fact]
    public void For_SecondEmail_WireHoldsNothingOfTheFirst_AndReadsBackLikeAFreshMessage()
    {
        var reused = _factory.CreateReused();
        var firstWire = Wire(reused.For(First));
        var secondWire = Wire(reused.For(Second));

        Assert.Contains("ANN-TOKEN", firstWire);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(secondWire, "(?m)^Content-Transfer-Encoding: quoted-printable\r$"));
        foreach (var leftover in new[] { "ann@example.test", "ANN-TOKEN", "post-1-1@", "X-Only-In-The-First", "Hello Ann", "aaaa", "bbbb" })
        {
            Assert.DoesNotContain(leftover, secondWire);
        }

        var read = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(secondWire)));
        var fresh = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(Wire(_factory.Create(Second)))));
        Assert.Equal(fresh.From.ToString(), read.From.ToString());
        Assert.Equal("zoe@example.test", Assert.Single(read.To.Mailboxes).Address);
        Assert.Equal("post-1-2@membership.test", read.MessageId);
        Assert.Equal(fresh.Subject, read.Subject);
        Assert.Equal(Second.TextBody, read.TextBody?.TrimEnd('\r', '\n'));
        Assert.Equal(Second.HtmlBody, read.HtmlBody?.TrimEnd('\r', '\n'));
        Assert.Equal(fresh.TextBody, read.TextBody);
        Assert.Equal(fresh.HtmlBody, read.HtmlBody);
        Assert.Equal(
            fresh.Headers.Where(h => h.Id is not (HeaderId.Date or HeaderId.ContentType)).Select(h => (h.Field, h.Value)).OrderBy(h => h.Field),
            read.Headers.Where(h => h.Id is not (HeaderId.Date or HeaderId.ContentType)).Select(h => (h.Field, h.Value)).OrderBy(h => h.Field));
        Assert.True(read.Date > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public void For_AfterAShortAsciiEmail_OneWithAccentsAndLongLinesIsEncodedForItself()
    {
        var reused = _factory.CreateReused();
        var plain = new EmailMessage("bob@example.test", "Short", "Hi Bob", "<p>Hi Bob</p>") { MessageId = "post-1-3@membership.test" };
        var plainWire = Wire(reused.For(plain));
        Assert.DoesNotContain("List-Unsubscribe", plainWire);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(plainWire, "(?m)^Content-Transfer-Encoding: 7bit\r$"));

        // Wire() asserts 7-bit: a part left at the short email's encoding would carry raw UTF-8 and 1,200-character lines.
        var read = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(Wire(reused.For(Second)))));

        Assert.Equal(Second.TextBody, read.TextBody?.TrimEnd('\r', '\n'));
        Assert.Equal(Second.HtmlBody, read.HtmlBody?.TrimEnd('\r', '\n'));
        Assert.Equal("<https://members.test/email/unsubscribe/ZOE-TOKEN>", read.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public void For_WrittenTwice_GoesOutWhole_BothTimes()
    {
        // A send retried after a dropped connection writes the same filled message again.
        var reused = _factory.CreateReused();
        var message = reused.For(First);
        var once = Wire(message);
        var twice = Wire(message);

        Assert.Equal(once, twice);
        Assert.Equal(First.HtmlBody, MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(twice))).HtmlBody?.TrimEnd('\r', '\n'));
    }

    public static TheoryData<string, string> Bodies => new()
    {
        { "Hi Bob,\n\nA short line.\n\tAn indented one.\n", "<p>Hi Bob</p>\n<p>The next paragraph.</p>" },
        { "", "" },
        { "\n", "\n\n" },
        { "Hi Zoë,\r\nlines ending in CR LF\r\n.a line starting with a dot\n" + new string('c', 1200), "<p>Hi Zoë</p>\n" + new string('d', 1500) + "\n" },
        { "first line\nFrom here on, quoted-printable\n", "tabs\tand = signs =\ntrailing space \nbare CR\rin the middle\n\0 and \u0001" },
        { string.Concat(Enumerable.Range(0, 4000).Select(i => (char)(i % 400))), new string('x', 998) + "\n" + new string('y', 998) },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void For_BodiesOnTheWire_AreByteForByteWhatMimeKitsOwnPartsWrite(string text, string html)
    {
        var reused = _factory.CreateReused();
        var message = reused.For(new EmailMessage("ann@example.test", "Same bytes", text, html));
        var boundary = Assert.IsType<string>(message.Body?.ContentType.Boundary);

        // The same bodies as MimeKit's own parts, with the encodings chosen for them and the same boundary.
        var (textEncoding, htmlEncoding) = reused.Encodings;
        var reference = new Multipart("alternative") { Boundary = boundary };
        reference.Add(MimeKitPart("plain", text, textEncoding));
        reference.Add(MimeKitPart("html", html, htmlEncoding));

        Assert.Equal(Content(reference), Content(message.Body!));
        // And a mail client reads back the bodies that went in (line ends are CR LF on the wire).
        var read = Parts(message);
        Assert.Equal(text.Replace("\r\n", "\n"), read.Text.Replace("\r\n", "\n"));
        Assert.Equal(html.Replace("\r\n", "\n"), read.Html.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Prepare_ForShorterLinesThanA7bitBodyHas_MakesThatBodyQuotedPrintable()
    {
        var reused = _factory.CreateReused();
        var text = "short lines\nonly";
        var html = "<p>" + new string('h', 300) + "</p>";
        var message = reused.For(new EmailMessage("ann@example.test", "Long lines", text, html));
        Assert.Equal((ContentEncoding.SevenBit, ContentEncoding.SevenBit), reused.Encodings);

        message.Prepare(EncodingConstraint.SevenBit, 78);

        Assert.Equal((ContentEncoding.SevenBit, ContentEncoding.QuotedPrintable), reused.Encodings);
        var wire = Wire(message);
        Assert.All(wire.Split("\r\n"), line => Assert.True(line.Length <= 78, $"a line of {line.Length} characters"));
        Assert.Equal(html, Parts(message).Html);
    }

    [Fact]
    public void WriteTo_WithUnixLineEnds_ReadsBackTheSame()
    {
        var reused = _factory.CreateReused();
        var message = reused.For(Second);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Unix;
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);

        Assert.DoesNotContain((byte)'\r', stream.ToArray());
        stream.Position = 0;
        var read = MimeMessage.Load(stream);
        Assert.Equal(Second.TextBody, read.TextBody?.TrimEnd('\n'));
        Assert.Equal(Second.HtmlBody, read.HtmlBody?.TrimEnd('\n'));
    }

    [Fact]
    public async Task For_WithFinishAfter_HoldsBackOnlyTheClosingBoundary_UntilItCompletes()
    {
        var reused = _factory.CreateReused();
        var mark = new TaskCompletionSource();
        var message = reused.For(First, mark.Task);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();

        var writing = message.WriteToAsync(options, stream);
        await Task.Delay(50);
        Assert.False(writing.IsCompleted);
        var held = System.Text.Encoding.ASCII.GetString(stream.ToArray());
        var boundary = message.Body!.ContentType.Boundary;
        Assert.Contains("</p>", held);
        Assert.DoesNotContain($"--{boundary}--", held);

        mark.SetResult();
        await writing.WaitAsync(TimeSpan.FromSeconds(5));
        var whole = System.Text.Encoding.ASCII.GetString(stream.ToArray());
        Assert.Equal(held + $"\r\n--{boundary}--\r\n", whole);

        // Measuring (MailKit's SIZE) sends nothing, so it does not wait.
        var measured = reused.For(First, new TaskCompletionSource().Task);
        using var measure = new MimeKit.IO.MeasuringStream();
        await measured.WriteToAsync(options, measure).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(stream.Length, measure.Length);
    }

    private static MimePart MimeKitPart(string subtype, string body, ContentEncoding encoding)
    {
        var part = new TextPart(subtype) { Content = new MimeContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body))), ContentTransferEncoding = encoding };
        part.ContentType.Charset = "utf-8";
        return part;
    }

    /// <summary>An entity's content (no headers) as an SMTP client writes it.</summary>
    private static byte[] Content(MimeEntity entity)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        entity.WriteTo(options, stream, contentOnly: true);
        return stream.ToArray();
    }

    /// <summary>The decoded bodies of the message as a mail client reads them off the wire.</summary>
    private static (string Text, string Html) Parts(MimeMessage message)
    {
        var read = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(Wire(message))));
        return (read.TextBody ?? "", read.HtmlBody ?? "");
    }

    [Theory]
    [InlineData("Hi Bob,\n\nA short line.\n\tAn indented one.\n", "SevenBit")]
    [InlineData("<p>Hi Bob</p>\n<p>The next paragraph.</p>", "SevenBit")]
    [InlineData("", "SevenBit")]
    [InlineData("Hi Zoë", "QuotedPrintable")]
    [InlineData("a line ending in CR LF\r\nnext", "QuotedPrintable")]
    [InlineData("bare CR\rin the middle", "QuotedPrintable")]
    [InlineData("a NUL \0 byte", "QuotedPrintable")]
    [InlineData("first line\nFrom here on, quoted-printable", "QuotedPrintable")]
    public void TransferEncoding_SevenBitOnlyForPrintableAsciiInShortLines(string body, string expected)
    {
        Assert.Equal(Enum.Parse<ContentEncoding>(expected), ReusedMimeMessage.TransferEncoding(body));
    }

    [Fact]
    public void TransferEncoding_LinesOfUpTo998CharactersStaySevenBit()
    {
        Assert.Equal(ContentEncoding.SevenBit, ReusedMimeMessage.TransferEncoding(new string('x', 998) + "\n" + new string('y', 998)));
        Assert.Equal(ContentEncoding.QuotedPrintable, ReusedMimeMessage.TransferEncoding(new string('x', 998) + "\n" + new string('y', 999)));
        Assert.Equal(ContentEncoding.QuotedPrintable, ReusedMimeMessage.TransferEncoding(new string('x', 999)));
    }

    /// <summary>The message as an SMTP client writes it: prepared for a 7-bit server, CRLF lines.</summary>
    private static string Wire(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit, 998);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);
        var bytes = stream.ToArray();
        Assert.All(bytes, b => Assert.True(b < 128, "the wire form is 7-bit"));
        return System.Text.Encoding.ASCII.GetString(bytes);
    }
}
