using System.Buffers;
using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Tests.Smtp;

public sealed class SmtpLineFramerTests
{
    [Fact]
    public void CRLF_and_bare_LF_both_end_a_line()
    {
        var lines = Frame(new SmtpLineFramer(), "EHLO a\r\nNOOP\nQUIT\r\n", out var rest);

        Assert.Equal(["EHLO a", "NOOP", "QUIT"], lines);
        Assert.Equal(0, rest);
    }

    [Fact]
    public void An_incomplete_line_stays_in_the_buffer_until_its_end_arrives()
    {
        var framer = new SmtpLineFramer();

        Assert.Empty(Frame(framer, "EHLO a", out var rest));
        Assert.Equal(6, rest);
    }

    [Fact]
    public void A_line_of_exactly_512_octets_with_its_CRLF_is_accepted()
    {
        var line = "NOOP " + new string('x', 505);

        Assert.Equal([line], Frame(new SmtpLineFramer(), line + "\r\n", out _));
    }

    [Fact]
    public void A_line_of_513_octets_is_too_long()
    {
        var framer = new SmtpLineFramer();
        var buffer = Sequence("NOOP " + new string('x', 506) + "\r\nQUIT\r\n");

        Assert.Equal(FrameResult.TooLong, framer.TryReadLine(ref buffer, out _));
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var next));
        Assert.Equal("QUIT", Encoding.ASCII.GetString(next.ToArray()));
    }

    [Fact]
    public void An_over_long_line_is_consumed_as_it_arrives_and_reported_once_at_its_end()
    {
        var framer = new SmtpLineFramer();
        var chunk = new string('A', 4096);

        for (var i = 0; i < 25; i++)
        {
            var buffer = Sequence(chunk);
            Assert.Equal(FrameResult.NeedMore, framer.TryReadLine(ref buffer, out _));
            Assert.Equal(0, buffer.Length);
            Assert.True(framer.IsDiscarding);
        }

        var end = Sequence("tail\r\nNOOP\r\n");
        Assert.Equal(FrameResult.TooLong, framer.TryReadLine(ref end, out _));
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref end, out var noop));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(noop.ToArray()));
        Assert.False(framer.IsDiscarding);
    }

    [Fact]
    public void Lines_spanning_several_buffer_segments_are_joined()
    {
        var framer = new SmtpLineFramer();
        var buffer = Segmented("MA", "IL FROM:<a@", "b.example>\r", "\nQUIT\r\n");

        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out var line));
        Assert.Equal("MAIL FROM:<a@b.example>", Encoding.ASCII.GetString(line.ToArray()));
        Assert.Equal(FrameResult.Line, framer.TryReadLine(ref buffer, out line));
        Assert.Equal("QUIT", Encoding.ASCII.GetString(line.ToArray()));
    }

    [Fact]
    public void A_CR_alone_does_not_end_a_line()
    {
        Assert.Equal(["NOOP\rQUIT"], Frame(new SmtpLineFramer(), "NOOP\rQUIT\n", out _));
    }

    private static List<string> Frame(SmtpLineFramer framer, string text, out long rest)
    {
        var buffer = Sequence(text);
        var lines = new List<string>();
        while (framer.TryReadLine(ref buffer, out var line) == FrameResult.Line)
        {
            lines.Add(Encoding.UTF8.GetString(line.ToArray()));
        }

        rest = buffer.Length;
        return lines;
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.UTF8.GetBytes(text));

    private static ReadOnlySequence<byte> Segmented(params string[] parts)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(Encoding.ASCII.GetBytes(part));
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Append(segment);
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
