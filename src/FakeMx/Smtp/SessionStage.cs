namespace FakeMx.Smtp;

/// <summary>The furthest point of the conversation a client reached.</summary>
public enum SessionStage
{
    /// <summary>Connected; no HELO or EHLO yet.</summary>
    Connect,

    /// <summary>Sent HELO or EHLO.</summary>
    Helo,

    /// <summary>Sent MAIL FROM.</summary>
    Mail,

    /// <summary>Sent RCPT TO.</summary>
    Rcpt,

    /// <summary>Sent DATA.</summary>
    Data,
}
