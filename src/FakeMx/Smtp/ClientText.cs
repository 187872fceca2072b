using System.Text;

namespace FakeMx.Smtp;

/// <summary>
/// Makes client-supplied bytes safe for logs, the store and web pages: valid UTF-8 is kept,
/// control characters, backslashes and invalid bytes become <c>\xNN</c>-style escapes, and the
/// result is truncated. Every string a client sent passes through here exactly once.
/// </summary>
public static class ClientText
{
    /// <summary>The default cap, in characters, for a stored client string.</summary>
    public const int DefaultMaxLength = 256;

    private const string TruncationMark = "...";

    public static string Sanitize(ReadOnlySpan<byte> raw, int maxLength = DefaultMaxLength)
    {
        if (raw.IsEmpty)
        {
            return string.Empty;
        }

        if (IsPlainAscii(raw) && raw.Length <= maxLength)
        {
            return Encoding.ASCII.GetString(raw);
        }

        var text = new StringBuilder(Math.Min(raw.Length, maxLength) + TruncationMark.Length);
        while (!raw.IsEmpty)
        {
            if (text.Length >= maxLength)
            {
                text.Length = maxLength;
                text.Append(TruncationMark);
                break;
            }

            var status = System.Text.Rune.DecodeFromUtf8(raw, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                AppendHex(text, raw[0]);
                raw = raw[1..];
                continue;
            }

            if (Rune.IsControl(rune) || rune.Value == '\\')
            {
                AppendEscape(text, rune.Value);
            }
            else
            {
                text.Append(rune.ToString());
            }

            raw = raw[consumed..];
        }

        return text.ToString();
    }

    public static string Sanitize(string value, int maxLength = DefaultMaxLength) =>
        Sanitize(Encoding.UTF8.GetBytes(value), maxLength);

    private static bool IsPlainAscii(ReadOnlySpan<byte> raw)
    {
        foreach (var b in raw)
        {
            if (b < 0x20 || b >= 0x7F || b == (byte)'\\')
            {
                return false;
            }
        }

        return true;
    }

    private static void AppendEscape(StringBuilder text, int value)
    {
        if (value == '\\')
        {
            text.Append(@"\\");
        }
        else if (value <= 0xFF)
        {
            AppendHex(text, (byte)value);
        }
        else
        {
            text.Append(@"\u").Append(value.ToString("X4"));
        }
    }

    private static void AppendHex(StringBuilder text, byte value) =>
        text.Append(@"\x").Append(value.ToString("X2"));
}
