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
///   RSET NOOP QUIT VRFY HELP: allowed in every state
/// </code>
/// Once the session is deferred, MAIL, RCPT and DATA skip the transaction checks and get the
/// same deferral again: the client has had its answer and no sequence leads past it.
/// </remarks>
public static class SmtpStateTable
{
    /// <summary>Returns the refusal for <paramref name="verb"/> in <paramref name="state"/>,
    /// or null when the verb may proceed.</summary>
    public static SmtpReply? Check(SmtpState state, SmtpVerb verb, bool deferred, SmtpReplies replies)
    {
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
