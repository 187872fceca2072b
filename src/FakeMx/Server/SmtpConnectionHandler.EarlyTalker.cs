using System.Buffers;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// The banner, and what a client gives away before and right after it: the optional greet
/// delay, early talkers (anything received before the banner is sent) and clients that speak
/// another protocol (an HTTP request, a TLS ClientHello, an untrusted PROXY header), which get
/// a 421 and are closed.
/// </summary>
internal sealed partial class SmtpConnectionHandler
{
    /// <summary>How much of an early talker's bytes the log line shows.</summary>
    private const int PregreetLogBytes = 60;

    /// <summary>Sends the banner; false when the session ended instead.</summary>
    private async ValueTask<bool> GreetAsync(SmtpConnection connection, SmtpSession session)
    {
        if (_abuse.GreetDelay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_abuse.GreetDelay, connection.EndToken);
            }
            catch (OperationCanceledException)
            {
                await EndAsync(connection, session, connection.RequestedEnd);
                return false;
            }
        }

        // Whatever is already buffered was sent before the banner: the client did not wait.
        var input = connection.Input;
        if (input.TryRead(out var early))
        {
            var buffer = early.Buffer;
            if (!buffer.IsEmpty)
            {
                FlagPregreet(connection, buffer);
                if (CheckFirstBytes(connection, session, buffer) == FirstBytes.Other)
                {
                    connection.BytesIn += buffer.Length;
                    input.AdvanceTo(buffer.End);
                    await SendAsync(connection, session.Record.Reply!);
                    return false;
                }
            }

            // Nothing consumed or examined: the read loop sees these bytes again at once.
            input.AdvanceTo(buffer.Start);
        }

        return await WriteReplyAsync(connection, session.Start(), TarpitStages.Greeting)
            && await FlushAsync(connection);
    }

    private void FlagPregreet(SmtpConnection connection, in ReadOnlySequence<byte> buffer)
    {
        connection.Pregreet = true;
        _metrics.Pregreet();
        if (ShouldLogRefusal(connection))
        {
            var sample = buffer.Slice(0, Math.Min(buffer.Length, PregreetLogBytes)).ToArray();
            AbuseLog.Pregreet(_logger, connection.ClientIp, connection.Client.Port, buffer.Length,
                ClientText.Sanitize(sample, PregreetLogBytes));
        }
    }

    /// <summary>
    /// Looks at the start of the client's input for another protocol. Once it is decided the
    /// check is not made again. For another protocol the session is ended with a 421, left in
    /// <see cref="SessionRecord.Reply"/> for the caller to send.
    /// </summary>
    private FirstBytes CheckFirstBytes(SmtpConnection connection, SmtpSession session, in ReadOnlySequence<byte> buffer)
    {
        var verdict = NonSmtpClassifier.Classify(buffer, out var kind);
        if (verdict == FirstBytes.Undecided)
        {
            return verdict;
        }

        connection.FirstBytesChecked = true;
        if (verdict == FirstBytes.Other)
        {
            var label = Labels.Kebab(kind.ToString());
            session.Record.Reply = _replies.NonSmtp;
            session.Terminate(SessionEnd.NonSmtp);
            _metrics.NonSmtp(label);
            if (ShouldLogRefusal(connection))
            {
                AbuseLog.NonSmtp(_logger, connection.ClientIp, connection.Client.Port, label);
            }
        }

        return verdict;
    }
}
