namespace FakeMx.Smtp;

/// <summary>The command verbs FakeMX tells apart.</summary>
public enum SmtpVerb
{
    /// <summary>Not an SMTP verb at all: 500 5.5.2.</summary>
    Unknown,
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Help,
    StartTls,

    /// <summary>
    /// A real SMTP verb FakeMX does not offer (AUTH, BDAT, EXPN, ETRN, TURN, ...): 502 5.5.1.
    /// </summary>
    NotImplemented,
}
