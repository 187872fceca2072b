using System.Buffers;
using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Tests.Fuzz;

/// <summary>
/// Feeds arbitrary bytes through <see cref="SmtpLineFramer"/> into an <see cref="SmtpSession"/>
/// (with STARTTLS on offer) until the input ends or the session closes, and checks after every
/// step what must hold whatever a client sends. Shared by the afl++ harness under fuzz/ and by
/// the tests that replay the corpus and random inputs. Throws
/// <see cref="FuzzInvariantException"/> when an invariant breaks; any other exception is a bug too.
/// </summary>
public static class SessionFuzzDriver
{
    private static readonly SmtpOptions Options = new() { MaxErrors = 10, MaxCommands = 300 };
    private static readonly SmtpReplies Replies = new("mx.fuzz.test", "try again later", 10_240_000);

    /// <summary>Runs one input. The first byte also picks the read size, so partial lines are covered.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var session = new SmtpSession(Options, Replies, offerStartTls: true);
        var framer = new SmtpLineFramer();
        Check(session.Start(), "greeting");

        var chunk = input.IsEmpty ? 1 : 1 + input[0] % 61;
        var pending = new List<byte>();
        var offset = 0;

        while (offset < input.Length && !session.IsClosed)
        {
            var take = Math.Min(chunk, input.Length - offset);
            pending.AddRange(input.Slice(offset, take));
            offset += take;

            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (!session.IsClosed && !session.IsAwaitingTls)
            {
                var frame = framer.TryReadLine(ref buffer, out var line);
                if (frame == FrameResult.NeedMore)
                {
                    break;
                }

                var bytes = line.ToArray();
                var reply = frame == FrameResult.Line ? session.Process(bytes) : session.LineTooLong();
                var verb = session.LastVerb;
                Check(reply, Encoding.Latin1.GetString(bytes));
                if (verb == SmtpVerb.Data && reply.Code < 400)
                {
                    throw new FuzzInvariantException($"DATA was answered {reply}");
                }

            }

            if (session.IsAwaitingTls)
            {
                // What the server does: drop what followed STARTTLS, then run TLS (here: at once).
                if (Throws(() => session.Process("NOOP"u8)))
                {
                    buffer = buffer.Slice(buffer.End);
                    session.TlsStarted();
                    framer = new SmtpLineFramer();
                }
                else
                {
                    throw new FuzzInvariantException("a command was processed while awaiting TLS");
                }
            }

            pending = [.. buffer.ToArray()];
            if (framer.IsDiscarding && pending.Count > 0)
            {
                throw new FuzzInvariantException("the framer kept bytes of a line it is discarding");
            }

            if (pending.Count > SmtpLineFramer.MaxLineLength)
            {
                throw new FuzzInvariantException($"{pending.Count} bytes buffered without a complete line");
            }
        }

        if (session.IsClosed && session.Record.End == SessionEnd.Open)
        {
            throw new FuzzInvariantException("a closed session has no end reason");
        }
    }

    private static void Check(SmtpReply reply, string line)
    {
        if (reply.Code == 354)
        {
            throw new FuzzInvariantException($"354 to '{line}': a message would be accepted");
        }

        if (line.Trim() == "." && reply.Code == 250)
        {
            throw new FuzzInvariantException("250 after end of data");
        }

        var wire = Encoding.UTF8.GetString(reply.Wire.Span);
        if (!wire.EndsWith("\r\n", StringComparison.Ordinal))
        {
            throw new FuzzInvariantException($"reply without CRLF: {wire}");
        }

        var lines = wire[..^2].Split("\r\n");
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            var separator = i == lines.Length - 1 ? ' ' : '-';
            if (text.Length < 4 || text.Length > 510 || !text[..3].All(char.IsAsciiDigit) || text[3] != separator
                || text[..3] != reply.Code.ToString() || text.Any(c => c < ' '))
            {
                throw new FuzzInvariantException($"malformed reply line '{text}'");
            }
        }
    }

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
