namespace FakeMx.Smtp;

/// <summary>Where a session stands in the RFC 5321 command sequence.</summary>
public enum SmtpState
{
    /// <summary>Greeted by the server; the client has not said HELO or EHLO.</summary>
    Connected,

    /// <summary>HELO/EHLO done, no mail transaction open.</summary>
    Ready,

    /// <summary>MAIL FROM accepted.</summary>
    MailGiven,

    /// <summary>At least one RCPT TO accepted.</summary>
    RcptGiven,

    /// <summary>A closing reply was sent; no more commands are read.</summary>
    Closed,

    /// <summary>
    /// STARTTLS was answered 220: the next bytes are a TLS handshake, not commands. Anything
    /// the client pipelined after STARTTLS must be discarded unread (RFC 3207 §4.2).
    /// </summary>
    AwaitingTls,
}
