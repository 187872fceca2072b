namespace FakeMx.Smtp;

/// <summary>
/// The one place that says which verbs each state allows. A verb that is out of sequence gets
/// its 503 from here; everything else is answered by <see cref="SmtpSession"/>.
/// </summary>
/// <remarks>
/// <code>
///   verb        Connected    Ready        MailGiven    RcptGiven
///   HELO/EHLO   ok           ok (reset)   ok (reset)   ok (reset)
///   MAIL        503 HELO     ok           503 nested   503 nested
///   RCPT        503 HELO     503 MAIL     ok           ok
///   DATA        503 HELO     503 MAIL     503 RCPT     ok (deferred: never 354)
///   STARTTLS    503 HELO     ok           503 in MAIL  503 in MAIL
///   RSET NOOP QUIT VRFY HELP: allowed in every state
/// </code>
/// STARTTLS is 502 in every state when no certificate is configured, and 503 once TLS is
/// active. After its 220 the session waits for the handshake (<see cref="SmtpState.AwaitingTls"/>)
/// and takes no command at all until the server says TLS is up; then it starts over in
/// Connected, so the client must EHLO again (RFC 3207 §4.2).
/// Once the session is deferred, MAIL, RCPT and DATA skip the transaction checks and get the
/// same deferral again: the client has had its answer and no sequence leads past it.
/// </remarks>
public static class SmtpStateTable
{
    /// <summary>Returns the refusal for <paramref name="verb"/> in <paramref name="state"/>,
    /// or null when the verb may proceed.</summary>
    public static SmtpReply? Check(
        SmtpState state,
        SmtpVerb verb,
        bool deferred,
        SmtpReplies replies,
        StartTlsOffer startTls = StartTlsOffer.NotOffered)
    {
        if (verb == SmtpVerb.StartTls)
        {
            return (startTls, state) switch
            {
                (StartTlsOffer.NotOffered, _) => replies.NotImplemented,
                (StartTlsOffer.Active, _) => replies.TlsActive,
                (_, SmtpState.Connected) => replies.NeedHelo,
                (_, SmtpState.MailGiven or SmtpState.RcptGiven) => replies.TransactionInProgress,
                _ => null,
            };
        }

        var transactional = verb is SmtpVerb.Mail or SmtpVerb.Rcpt or SmtpVerb.Data;
        if (transactional && state == SmtpState.Connected)
        {
            return replies.NeedHelo;
        }

        if (!transactional || deferred)
        {
            return null;
        }

        return (verb, state) switch
        {
            (SmtpVerb.Mail, SmtpState.MailGiven or SmtpState.RcptGiven) => replies.NestedMail,
            (SmtpVerb.Rcpt, SmtpState.Ready) => replies.NeedMail,
            (SmtpVerb.Data, SmtpState.Ready) => replies.NeedMail,
            (SmtpVerb.Data, SmtpState.MailGiven) => replies.NeedRcpt,
            _ => null,
        };
    }
}
