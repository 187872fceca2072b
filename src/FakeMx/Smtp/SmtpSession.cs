/*
 * SmtpSession - the SMTP conversation of one client, as a pure state machine.
 *
 * PURPOSE
 *   Takes command lines in and gives replies out: the greeting, EHLO/HELO, MAIL, RCPT, DATA,
 *   RSET, NOOP, QUIT, VRFY and HELP, and the configured temporary failure. It records what the
 *   client revealed (HELO name, sender, recipients, how far it got) in a SessionRecord.
 *   It never sees a socket or a clock: the server feeds it lines and enforces time limits.
 *
 * WHAT IT DELIBERATELY DOES NOT DO
 *   It never accepts a message: DATA is never answered 354 and nothing ever gets a 250 after
 *   end of data, because no message text is ever read. It never relays, never authenticates
 *   (no AUTH) and never stores a message body.
 *
 * STANDARDS
 *   RFC 5321 (SMTP): command syntax §4.1, sequencing §4.1.4 and §4.3.2, reply codes §4.2,
 *   line length §4.5.3.1.4, at least 100 recipients §4.5.3.1.8.
 *   RFC 1869/1870 (SIZE), RFC 6152 (8BITMIME), RFC 2920 (PIPELINING), RFC 2034 and 3463
 *   (enhanced status codes), RFC 6531 (SMTPUTF8).
 *   RFC 3207 (STARTTLS), when the server offers it: 220 then nothing until the handshake is
 *   done, and the session starts over (the client must EHLO again). Whatever the client
 *   pipelined after STARTTLS is never read as a command (§4.2): the session refuses to process
 *   a line while it awaits TLS, and the server drops those bytes.
 *   Not: RFC 3030 (CHUNKING/BDAT), RFC 3461 (DSN), RFC 4954 (AUTH): answered 502 or 555.
 *   Knowingly lenient, like Postfix's default: bare LF ends a line, a space after "FROM:" and
 *   a path without angle brackets are accepted, UTF-8 addresses are accepted without the
 *   SMTPUTF8 parameter. The aim is to record what bots send, not to lecture them.
 *   Knowingly strict: once deferred, every later MAIL, RCPT and DATA of the session gets the
 *   same deferral, whatever the state, so a client cannot probe its way past it.
 *
 * SECURITY
 *   Every byte is hostile. Lines arrive already bounded to 512 octets by SmtpLineFramer;
 *   parsing works on spans and allocates only the sanitized strings it records. Errors and
 *   commands are counted and each limit ends the session with its own 421.
 *
 * DIAGNOSTICS
 *   The server logs one line per session from the SessionRecord (LogEvents.SessionSummary)
 *   and one line per command at Debug. SessionRecord.End names the limit that ended it.
 *
 * BUGS
 *   A client that pipelines message text after DATA, without waiting for a 354 that never
 *   comes, has each line of it read as a command; it soon hits the error limit.
 */
using System.Text;

namespace FakeMx.Smtp;

/// <summary>One client's SMTP conversation; see the header of this file.</summary>
public sealed class SmtpSession
{
    private readonly SmtpOptions _options;
    private readonly SmtpReplies _replies;
    private SmtpState _state = SmtpState.Connected;
    private int _transactionRecipients;

    /// <param name="options">The conversation's limits and deferral stage.</param>
    /// <param name="replies">The replies, built once for the server.</param>
    /// <param name="offerStartTls">True when a certificate is configured: EHLO advertises
    /// STARTTLS and the verb is accepted.</param>
    public SmtpSession(SmtpOptions options, SmtpReplies replies, bool offerStartTls = false)
    {
        _options = options;
        _replies = replies;
        StartTls = offerStartTls ? StartTlsOffer.Offered : StartTlsOffer.NotOffered;
    }

    public SessionRecord Record { get; } = new();

    /// <summary>True once a reply that closes the session has been given.</summary>
    public bool IsClosed => _state == SmtpState.Closed;

    /// <summary>
    /// True after STARTTLS was answered 220: the server must discard every byte still buffered
    /// and start the TLS handshake, then call <see cref="TlsStarted"/>.
    /// </summary>
    public bool IsAwaitingTls => _state == SmtpState.AwaitingTls;

    /// <summary>Whether STARTTLS is on offer, or already done.</summary>
    public StartTlsOffer StartTls { get; private set; }

    /// <summary>The verb of the last command processed, for per-command logs and metrics.</summary>
    public SmtpVerb LastVerb { get; private set; }

    /// <summary>The greeting: 220, or in nolisting mode a 421 that ends the session.</summary>
    public SmtpReply Start()
    {
        if (_options.DeferAt == DeferStage.Connect)
        {
            return Defer(_replies.DeferredGreeting);
        }

        Record.Reply = _replies.Greeting;
        return _replies.Greeting;
    }

    /// <summary>Answers one command line (without its line end).</summary>
    public SmtpReply Process(ReadOnlySpan<byte> line)
    {
        EnsureOpen();
        Record.Commands++;
        var command = SmtpCommandParser.Parse(line);
        LastVerb = command.Verb;

        if (Record.Commands > _options.MaxCommands)
        {
            return Close(_replies.CommandLimit, SessionEnd.CommandLimit);
        }

        return Account(Answer(command));
    }

    /// <summary>Answers a command line that was longer than the limit and was discarded.</summary>
    public SmtpReply LineTooLong()
    {
        EnsureOpen();
        Record.Commands++;
        LastVerb = SmtpVerb.Unknown;
        if (Record.Commands > _options.MaxCommands)
        {
            return Close(_replies.CommandLimit, SessionEnd.CommandLimit);
        }

        return Account(_replies.LineTooLong);
    }

    /// <summary>
    /// Tells the session that the TLS handshake after STARTTLS succeeded. Per RFC 3207 §4.2 the
    /// server forgets what the client said before: the client must say EHLO again, and the
    /// EHLO reply no longer offers STARTTLS. What was recorded for the event is kept.
    /// </summary>
    public void TlsStarted()
    {
        if (_state != SmtpState.AwaitingTls)
        {
            throw new InvalidOperationException("TLS can only start after STARTTLS was accepted.");
        }

        StartTls = StartTlsOffer.Active;
        _transactionRecipients = 0;
        _state = SmtpState.Connected;
    }

    /// <summary>
    /// Ends the session from outside (a timeout, shutdown, the client leaving) and returns
    /// the reply to send, if any.
    /// </summary>
    public SmtpReply? Terminate(SessionEnd end)
    {
        if (IsClosed)
        {
            return null;
        }

        var reply = end switch
        {
            SessionEnd.IdleTimeout => _replies.IdleTimeout,
            SessionEnd.SessionTimeout => _replies.SessionTimeout,
            SessionEnd.Shutdown => _replies.Shutdown,
            _ => null,
        };

        _state = SmtpState.Closed;
        Record.End = end;
        if (reply is not null && !Record.Deferred)
        {
            Record.Reply = reply;
        }

        return reply;
    }

    private SmtpReply Answer(SmtpCommand command)
    {
        var refusal = SmtpStateTable.Check(_state, command.Verb, Record.Deferred, _replies, StartTls);
        if (refusal is not null)
        {
            return refusal;
        }

        return command.Verb switch
        {
            SmtpVerb.Helo or SmtpVerb.Ehlo => Hello(command),
            SmtpVerb.Mail => Mail(command.Argument),
            SmtpVerb.Rcpt => Rcpt(command.Argument),
            SmtpVerb.Data => Data(command.Argument),
            SmtpVerb.Rset => Reset(command.Argument),
            SmtpVerb.Noop => _replies.NoopOk,
            SmtpVerb.Quit => Close(_replies.Quit, SessionEnd.Quit),
            SmtpVerb.Vrfy => command.Argument.IsEmpty ? _replies.VrfySyntax : _replies.Vrfy,
            SmtpVerb.Help => _replies.Help,
            SmtpVerb.StartTls => BeginTls(command.Argument),
            SmtpVerb.NotImplemented => _replies.NotImplemented,
            _ => _replies.UnknownCommand,
        };
    }

    private SmtpReply Hello(SmtpCommand command)
    {
        var extended = command.Verb == SmtpVerb.Ehlo;
        if (command.Argument.IsEmpty)
        {
            return extended ? _replies.EhloSyntax : _replies.HeloSyntax;
        }

        Record.Helo = ClientText.Sanitize(command.Argument);
        Record.Extended = extended;
        Record.Reach(SessionStage.Helo);
        ResetTransaction();
        _state = SmtpState.Ready;

        if (_options.DeferAt == DeferStage.Helo)
        {
            return Defer(_replies.DeferredHelo);
        }

        if (!extended)
        {
            return _replies.Helo;
        }

        return StartTls == StartTlsOffer.Offered ? _replies.EhloWithStartTls : _replies.Ehlo;
    }

    private SmtpReply BeginTls(ReadOnlySpan<byte> argument)
    {
        if (!argument.IsEmpty)
        {
            return _replies.StartTlsSyntax;
        }

        _state = SmtpState.AwaitingTls;
        return _replies.StartTlsReady;
    }

    private SmtpReply Mail(ReadOnlySpan<byte> argument)
    {
        if (!SmtpCommandParser.TryParsePath(argument, "FROM:"u8, out var address, out var parameters))
        {
            return _replies.MailSyntax;
        }

        if (!address.IsEmpty && !SmtpCommandParser.IsValidMailbox(address))
        {
            return _replies.BadSender;
        }

        var parameterProblem = CheckMailParameters(parameters);
        if (parameterProblem is not null)
        {
            return parameterProblem;
        }

        Record.Sender = ClientText.Sanitize(address);
        Record.Reach(SessionStage.Mail);
        _transactionRecipients = 0;

        if (Record.Deferred || _options.DeferAt == DeferStage.Mail)
        {
            return Defer(_replies.Deferred);
        }

        _state = SmtpState.MailGiven;
        return _replies.SenderOk;
    }

    private SmtpReply Rcpt(ReadOnlySpan<byte> argument)
    {
        if (!SmtpCommandParser.TryParsePath(argument, "TO:"u8, out var address, out var parameters))
        {
            return _replies.RcptSyntax;
        }

        if (!SmtpCommandParser.IsValidMailbox(address) && !Ascii.EqualsIgnoreCase(address, "postmaster"u8))
        {
            return _replies.BadRecipient;
        }

        if (!parameters.IsEmpty)
        {
            return _replies.UnknownParameter;
        }

        if (_transactionRecipients >= _options.MaxRecipients)
        {
            return _replies.TooManyRecipients;
        }

        _transactionRecipients++;
        Record.AddRecipient(ClientText.Sanitize(address));
        Record.Reach(SessionStage.Rcpt);

        if (Record.Deferred || _options.DeferAt == DeferStage.Rcpt)
        {
            return Defer(_replies.Deferred);
        }

        _state = SmtpState.RcptGiven;
        return _replies.RecipientOk;
    }

    private SmtpReply Data(ReadOnlySpan<byte> argument)
    {
        if (!argument.IsEmpty)
        {
            return _replies.NoArguments;
        }

        // There is no path from here to 354: every stage defers DATA at the latest.
        Record.Reach(SessionStage.Data);
        return Defer(_replies.Deferred);
    }

    private SmtpReply Reset(ReadOnlySpan<byte> argument)
    {
        if (!argument.IsEmpty)
        {
            return _replies.NoArguments;
        }

        ResetTransaction();
        return _replies.ResetOk;
    }

    private SmtpReply? CheckMailParameters(ReadOnlySpan<byte> parameters)
    {
        foreach (var range in parameters.Split((byte)' '))
        {
            var parameter = parameters[range];
            if (parameter.IsEmpty)
            {
                continue;
            }

            var equals = parameter.IndexOf((byte)'=');
            var key = equals < 0 ? parameter : parameter[..equals];
            var value = equals < 0 ? [] : parameter[(equals + 1)..];

            if (Ascii.EqualsIgnoreCase(key, "SIZE"u8))
            {
                if (!long.TryParse(value, out var size) || size < 0)
                {
                    return _replies.MailSyntax;
                }

                if (size > _options.MaxMessageSize)
                {
                    return _replies.MessageTooBig;
                }
            }
            else if (Ascii.EqualsIgnoreCase(key, "BODY"u8))
            {
                if (!Ascii.EqualsIgnoreCase(value, "7BIT"u8) && !Ascii.EqualsIgnoreCase(value, "8BITMIME"u8))
                {
                    return _replies.UnknownParameter;
                }
            }
            else if (!Ascii.EqualsIgnoreCase(key, "SMTPUTF8"u8) || equals >= 0)
            {
                return _replies.UnknownParameter;
            }
        }

        return null;
    }

    private void ResetTransaction()
    {
        _transactionRecipients = 0;
        if (_state is SmtpState.MailGiven or SmtpState.RcptGiven)
        {
            _state = SmtpState.Ready;
        }
    }

    private SmtpReply Defer(SmtpReply reply)
    {
        Record.Deferred = true;
        Record.Reply = reply;
        if (reply.ClosesSession)
        {
            _state = SmtpState.Closed;
            Record.End = SessionEnd.Deferred;
        }

        return reply;
    }

    /// <summary>Counts errors, and swaps the reply for a 421 when they pass the limit.</summary>
    private SmtpReply Account(SmtpReply reply)
    {
        if (reply.IsError && reply != _replies.Deferred && !reply.ClosesSession)
        {
            Record.Errors++;
            if (Record.Errors > _options.MaxErrors)
            {
                return Close(_replies.ErrorLimit, SessionEnd.ErrorLimit);
            }
        }

        if (!Record.Deferred && !reply.ClosesSession)
        {
            Record.Reply = reply;
        }

        return reply;
    }

    private SmtpReply Close(SmtpReply reply, SessionEnd end)
    {
        _state = SmtpState.Closed;
        Record.End = end;

        // QUIT's 221 says nothing about the outcome: the reply before it does.
        if (!Record.Deferred && end != SessionEnd.Quit)
        {
            Record.Reply = reply;
        }

        return reply;
    }

    private void EnsureOpen()
    {
        if (IsClosed)
        {
            throw new InvalidOperationException("The SMTP session is closed.");
        }

        if (IsAwaitingTls)
        {
            // Reading a command here would be the STARTTLS injection RFC 3207 §4.2 warns of.
            throw new InvalidOperationException("The SMTP session awaits the TLS handshake; no command may be read.");
        }
    }
}
