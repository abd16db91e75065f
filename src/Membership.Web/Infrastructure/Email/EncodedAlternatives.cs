using System.Text;
using MimeKit;
using MimeKit.Encodings;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace Membership.Web.Infrastructure.Email;

/// <summary>
/// The body of a <see cref="ReusedMimeMessage"/>: a text and an HTML alternative (UTF-8), kept
/// in the form they go on the wire — each part's headers, its content transfer-encoded with CRLF
/// line ends, the boundaries — built once per email and written out as one block. MimeKit's own
/// parts scan each body again on every send to check the encoding (and again to measure the
/// message when the server asks for its SIZE), then pass every byte through an encoder and a
/// line-ending filter; for a post sent to thousands of members that is most of the cost of
/// writing each copy. The bytes are the ones MimeKit writes for the same parts (a test compares
/// them); the encoding is 7bit or quoted-printable, so the message suits any server. The closing
/// boundary can be held back until a task completes (<see cref="FinishAfter"/>): a post delivery
/// lets the previous recipient's "sent" mark commit while this message goes out.
/// </summary>
internal sealed class EncodedAlternatives : MimeEntity
{
    private readonly string _boundary;
    private readonly EncodedText _text = new("plain");
    private readonly EncodedText _html = new("html");
    private byte[] _wire = new byte[16 * 1024];
    private int _length;
    /// <summary>Where the closing boundary starts: the bytes from here on are held back until <see cref="FinishAfter"/>.</summary>
    private int _closing;

    public EncodedAlternatives(string boundary)
        : base(new ContentType("multipart", "alternative") { Boundary = boundary })
    {
        _boundary = boundary;
    }

    public ContentEncoding TextEncoding => _text.Chosen;

    public ContentEncoding HtmlEncoding => _html.Chosen;

    /// <summary>
    /// What must have finished before the body's closing boundary is written (the end of the
    /// message, after which an SMTP server can accept it): writing waits for it, and fails with it
    /// if it failed, leaving the message unfinished. Completed by default.
    /// </summary>
    public Task FinishAfter { get; set; } = Task.CompletedTask;

    /// <summary>Sets both bodies (line ends may be LF or CRLF) and builds the wire form.</summary>
    public void Fill(string text, string html)
    {
        _text.Fill(text);
        _html.Fill(html);
        Build();
    }

    /// <summary>
    /// Both parts are already 7bit or quoted-printable, which every server takes; only a caller
    /// asking for shorter lines than a 7bit body has (SMTP allows 998) makes that body
    /// quoted-printable instead.
    /// </summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        if (_text.Limit(maxLineLength) | _html.Limit(maxLineLength))
        {
            Build();
        }
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        base.WriteTo(options, stream, contentOnly, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        using var filtered = options.NewLineFormat == NewLineFormat.Dos ? null : new FilteredStream(stream);
        filtered?.Add(new Dos2UnixFilter());
        var output = filtered ?? stream;
        output.Write(_wire, 0, _closing);
        if (stream is not MeasuringStream)
        {
            FinishAfter.GetAwaiter().GetResult();
        }

        output.Write(_wire, _closing, _length - _closing);
        filtered?.Flush(cancellationToken);
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        await base.WriteToAsync(options, stream, contentOnly, cancellationToken);
        await using var filtered = options.NewLineFormat == NewLineFormat.Dos ? null : new FilteredStream(stream);
        filtered?.Add(new Dos2UnixFilter());
        var output = filtered ?? stream;
        await output.WriteAsync(_wire, 0, _closing, cancellationToken);
        // A stream that only counts (MailKit measuring the message for SIZE) sends nothing: no need to wait.
        if (stream is not MeasuringStream)
        {
            await FinishAfter.WaitAsync(cancellationToken);
        }

        await output.WriteAsync(_wire, _closing, _length - _closing, cancellationToken);
        if (filtered is not null)
        {
            await filtered.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// "--boundary", the text part, "--boundary", the HTML part, "--boundary--": the layout
    /// MimeKit's Multipart writes (the line end before each boundary belongs to the boundary).
    /// </summary>
    private void Build()
    {
        var needed = (2 * _text.HeaderBytes.Length) + _text.Length + _html.Length + (3 * (_boundary.Length + 8));
        if (_wire.Length < needed)
        {
            _wire = new byte[Math.Max(needed, 2 * _wire.Length)];
        }

        var at = 0;
        Append("--");
        Append(_boundary);
        Append("\r\n");
        at += _text.CopyTo(_wire.AsSpan(at));
        Append("\r\n--");
        Append(_boundary);
        Append("\r\n");
        at += _html.CopyTo(_wire.AsSpan(at));
        _closing = at;
        Append("\r\n--");
        Append(_boundary);
        Append("--\r\n");
        _length = at;

        void Append(string ascii) => at += Encoding.ASCII.GetBytes(ascii, _wire.AsSpan(at));
    }

    /// <summary>One alternative: its headers for the encoding chosen, and its transfer-encoded content with CRLF line ends.</summary>
    private sealed class EncodedText(string subtype)
    {
        private readonly byte[] _sevenBitHeaders = Encoding.ASCII.GetBytes($"Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        private readonly byte[] _quotedPrintableHeaders = Encoding.ASCII.GetBytes($"Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        private readonly QuotedPrintableEncoder _encoder = new();
        private byte[] _utf8 = new byte[8 * 1024];
        private int _utf8Length;
        private byte[] _quotedPrintable = new byte[8 * 1024];
        private byte[] _encoded = new byte[8 * 1024];
        private string _body = "";
        /// <summary>The line length the current encoding was chosen for.</summary>
        private int _chosenFor;

        /// <summary>7bit or quoted-printable.</summary>
        public ContentEncoding Chosen { get; private set; }

        /// <summary>The headers and blank line that start the part (the longer of the two, for sizing).</summary>
        public byte[] HeaderBytes => _quotedPrintableHeaders;

        /// <summary>Bytes of content in wire form.</summary>
        public int Length { get; private set; }

        public void Fill(string body)
        {
            _body = body;
            var most = Encoding.UTF8.GetMaxByteCount(body.Length);
            if (_utf8.Length < most)
            {
                _utf8 = new byte[most];
            }

            _utf8Length = Encoding.UTF8.GetBytes(body, _utf8);
            Encode(ReusedMimeMessage.SevenBitLineLength);
        }

        /// <summary>Makes the content fit lines of <paramref name="maxLineLength"/>; true when it had to change.</summary>
        public bool Limit(int maxLineLength)
        {
            if (maxLineLength >= _chosenFor || Chosen != ContentEncoding.SevenBit)
            {
                return false;
            }

            Encode(maxLineLength);
            return Chosen != ContentEncoding.SevenBit;
        }

        public int CopyTo(Span<byte> destination)
        {
            var headers = Chosen == ContentEncoding.SevenBit ? _sevenBitHeaders : _quotedPrintableHeaders;
            headers.CopyTo(destination);
            _encoded.AsSpan(0, Length).CopyTo(destination[headers.Length..]);
            return headers.Length + Length;
        }

        private void Encode(int maxLineLength)
        {
            _chosenFor = maxLineLength;
            Chosen = ReusedMimeMessage.TransferEncoding(_body, maxLineLength);
            ReadOnlySpan<byte> content = _utf8.AsSpan(0, _utf8Length);
            if (Chosen == ContentEncoding.QuotedPrintable)
            {
                var room = _encoder.EstimateOutputLength(_utf8Length);
                if (_quotedPrintable.Length < room)
                {
                    _quotedPrintable = new byte[room];
                }

                _encoder.Reset();
                content = _quotedPrintable.AsSpan(0, _encoder.Flush(_utf8, 0, _utf8Length, _quotedPrintable));
            }

            // Every line end CR LF. Neither form holds a CR (the 7bit rule allows none; the encoder
            // makes CR LF an LF and a lone CR "=0D"), so each LF gets one, as MimeKit's Unix2Dos filter does.
            var most = 2 * content.Length;
            if (_encoded.Length < most)
            {
                _encoded = new byte[most];
            }

            var written = 0;
            while (true)
            {
                var lineFeed = content.IndexOf((byte)'\n');
                var line = lineFeed < 0 ? content : content[..lineFeed];
                line.CopyTo(_encoded.AsSpan(written));
                written += line.Length;
                if (lineFeed < 0)
                {
                    break;
                }

                _encoded[written++] = (byte)'\r';
                _encoded[written++] = (byte)'\n';
                content = content[(lineFeed + 1)..];
            }

            Length = written;
        }
    }
}
