using System.Text;

namespace Membership.Web.Features.Posts;

/// <summary>
/// The attachment types a post accepts, recognised from the file's first bytes: the browser's
/// Content-Type and the file name are the uploader's word, not evidence.
/// </summary>
public static class FileTypes
{
    public sealed record FileType(string ContentType, string Extension, bool IsImage, bool IsAudio);

    public static readonly FileType Jpeg = new("image/jpeg", ".jpg", true, false);
    public static readonly FileType Png = new("image/png", ".png", true, false);
    public static readonly FileType Gif = new("image/gif", ".gif", true, false);
    public static readonly FileType Webp = new("image/webp", ".webp", true, false);
    public static readonly FileType Pdf = new("application/pdf", ".pdf", false, false);
    public static readonly FileType Mp3 = new("audio/mpeg", ".mp3", false, true);
    public static readonly FileType M4a = new("audio/mp4", ".m4a", false, true);
    public static readonly FileType Ogg = new("audio/ogg", ".ogg", false, true);
    public static readonly FileType Wav = new("audio/wav", ".wav", false, true);

    public const string Accepted = "JPEG, PNG, GIF or WebP images, PDF documents, and MP3, M4A, Ogg or WAV audio";

    /// <summary>How many leading bytes <see cref="Detect"/> needs.</summary>
    public const int HeaderLength = 16;

    public static FileType? Detect(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((byte[])[0xFF, 0xD8, 0xFF]))
        {
            return Jpeg;
        }

        if (header.StartsWith((byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Png;
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return Gif;
        }

        if (header.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8))
        {
            var format = header.Slice(8, 4);
            if (format.SequenceEqual("WEBP"u8))
            {
                return Webp;
            }

            if (format.SequenceEqual("WAVE"u8))
            {
                return Wav;
            }
        }

        if (header.StartsWith("OggS"u8))
        {
            return Ogg;
        }

        if (header.StartsWith("ID3"u8) || (header.Length >= 2 && header[0] == 0xFF && (header[1] & 0xE0) == 0xE0))
        {
            return Mp3;
        }

        if (header.Length >= 12 && header.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            var brand = Encoding.ASCII.GetString(header.Slice(8, 4));
            if (brand is "M4A " or "M4B " or "mp42" or "isom" or "mp41" or "dash")
            {
                return M4a;
            }
        }

        return null;
    }
}
