using System.Text;

namespace FakeMx.Smtp;

/// <summary>
/// One complete SMTP reply, encoded once into the bytes that go on the wire. Replies are built
/// at start-up (see <see cref="SmtpReplies"/>) so answering a command allocates nothing.
/// </summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, string text, bool closesSession = false)
        : this(code, [text], closesSession)
    {
    }

    public SmtpReply(int code, IReadOnlyList<string> lines, bool closesSession = false)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "SMTP reply codes are 2xx-5xx.");
        }

        Code = code;
        Text = lines[0];
        ClosesSession = closesSession;

        var wire = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            var separator = i == lines.Count - 1 ? ' ' : '-';
            wire.Append(code).Append(separator).Append(lines[i]).Append("\r\n");
        }

        Wire = Encoding.UTF8.GetBytes(wire.ToString());
    }

    /// <summary>The three-digit reply code.</summary>
    public int Code { get; }

    /// <summary>The first line's text, without the code: what logs and events show.</summary>
    public string Text { get; }

    /// <summary>True when the server closes the connection after sending this reply.</summary>
    public bool ClosesSession { get; }

    /// <summary>The reply as sent, every line ending in CRLF.</summary>
    public ReadOnlyMemory<byte> Wire { get; }

    public bool IsError => Code >= 400;

    public override string ToString() => $"{Code} {Text}";
}
