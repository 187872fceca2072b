using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Tests.Smtp;

/// <summary>Drives a pure <see cref="SmtpSession"/> with command strings, for table-driven tests.</summary>
internal sealed class SessionScript
{
    public SessionScript(SmtpOptions? options = null)
    {
        Options = options ?? new SmtpOptions { Hostname = "mx.test" };
        Replies = new SmtpReplies(Options.Hostname!, Options.ReplyText, Options.MaxMessageSize);
        Session = new SmtpSession(Options, Replies);
        Greeting = Session.Start();
    }

    public SmtpOptions Options { get; }

    public SmtpReplies Replies { get; }

    public SmtpSession Session { get; }

    public SmtpReply Greeting { get; }

    public static SessionScript DeferringAt(DeferStage stage) =>
        new(new SmtpOptions { Hostname = "mx.test", DeferAt = stage });

    public SmtpReply Send(string line) => Session.Process(Encoding.UTF8.GetBytes(line));

    /// <summary>Sends each line and returns the codes, stopping when the session closes.</summary>
    public List<int> Codes(params string[] lines)
    {
        var codes = new List<int>();
        foreach (var line in lines)
        {
            if (Session.IsClosed)
            {
                break;
            }

            codes.Add(Send(line).Code);
        }

        return codes;
    }

    /// <summary>The reply as a client sees it on the wire, lines joined with \n.</summary>
    public static string WireText(SmtpReply reply) =>
        Encoding.UTF8.GetString(reply.Wire.Span).TrimEnd().Replace("\r\n", "\n");
}
