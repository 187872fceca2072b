namespace FakeMx.Server;

/// <summary>The replies the tarpit may slow down (<c>--tarpit-stages</c>).</summary>
[Flags]
public enum TarpitStages
{
    None = 0,

    /// <summary>The 220 banner.</summary>
    Greeting = 1,

    /// <summary>Replies to EHLO and HELO.</summary>
    Helo = 2,

    /// <summary>Replies to MAIL.</summary>
    Mail = 4,

    /// <summary>Replies to RCPT.</summary>
    Rcpt = 8,

    /// <summary>The reply to DATA: the deferral itself.</summary>
    Data = 16,

    /// <summary>Replies to everything else: NOOP, RSET, VRFY, HELP, unknown commands.</summary>
    Other = 32,

    All = Greeting | Helo | Mail | Rcpt | Data | Other,
}
