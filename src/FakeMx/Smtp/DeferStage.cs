namespace FakeMx.Smtp;

/// <summary>
/// Where in the conversation FakeMX gives its temporary failure. Ordered by how far a client
/// gets before it: each later stage records more of the envelope.
/// </summary>
public enum DeferStage
{
    /// <summary>A 421 greeting, then close: the nolisting mode, records only the peer.</summary>
    Connect,

    /// <summary>421 to EHLO/HELO, then close: records the HELO name.</summary>
    Helo,

    /// <summary>451 to every MAIL: records the sender.</summary>
    Mail,

    /// <summary>451 to every RCPT: records sender and every recipient.</summary>
    Rcpt,

    /// <summary>
    /// 451 to the DATA command (the default): the whole envelope is seen and, as with
    /// OpenBSD spamd, only the one message is deferred by the sending MTA.
    /// </summary>
    Data,
}
