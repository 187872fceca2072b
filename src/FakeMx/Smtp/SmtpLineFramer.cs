using System.Buffers;

namespace FakeMx.Smtp;

/// <summary>What <see cref="SmtpLineFramer.TryReadLine"/> found in the buffer.</summary>
public enum FrameResult
{
    /// <summary>No complete line yet: read more.</summary>
    NeedMore,

    /// <summary>A command line, without its line end.</summary>
    Line,

    /// <summary>A line longer than the limit ended here; its bytes were discarded.</summary>
    TooLong,
}

/// <summary>
/// Splits the inbound byte stream into command lines. CRLF and bare LF both end a line (many
/// bots and some old MTAs send bare LF). A line longer than <see cref="MaxLineLength"/> octets
/// is never buffered: its bytes are consumed as they arrive and the caller hears of it once,
/// when the line finally ends, so replies stay in step with the client's commands.
/// </summary>
public sealed class SmtpLineFramer
{
    /// <summary>RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with its CRLF.</summary>
    public const int MaxLineLength = 512;

    private const int MaxContentLength = MaxLineLength - 2;

    private bool _discarding;

    /// <summary>True while the bytes of an over-long line are being thrown away.</summary>
    public bool IsDiscarding => _discarding;

    /// <summary>
    /// Takes the next line off the front of <paramref name="buffer"/>. The buffer is always
    /// advanced past what was consumed, including discarded bytes, so the caller can pass
    /// <c>buffer.Start</c> straight to <c>PipeReader.AdvanceTo</c>.
    /// </summary>
    public FrameResult TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        line = default;
        var lineFeed = buffer.PositionOf((byte)'\n');

        if (lineFeed is null)
        {
            // Without a line end, 511 octets can still be 510 of text and a CR; 512 cannot.
            if (_discarding || buffer.Length >= MaxLineLength)
            {
                _discarding = true;
                buffer = buffer.Slice(buffer.End);
            }

            return FrameResult.NeedMore;
        }

        var content = buffer.Slice(0, lineFeed.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, lineFeed.Value));

        if (_discarding)
        {
            _discarding = false;
            return FrameResult.TooLong;
        }

        if (!content.IsEmpty && EndsWithCarriageReturn(content))
        {
            content = content.Slice(0, content.Length - 1);
        }

        if (content.Length > MaxContentLength)
        {
            return FrameResult.TooLong;
        }

        line = content;
        return FrameResult.Line;
    }

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> content)
    {
        if (content.IsSingleSegment)
        {
            return content.FirstSpan[^1] == (byte)'\r';
        }

        return content.Slice(content.Length - 1).FirstSpan[0] == (byte)'\r';
    }
}
