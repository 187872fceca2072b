namespace FakeMx.Reports;

/// <summary>What became of the mail a FakeMX session tried to deliver, judged from the primary's log.</summary>
public enum EffectivenessVerdict
{
    /// <summary>The same sender and recipient were later accepted at the primary within the
    /// window: legitimate mail, only delayed.</summary>
    Delivered,

    /// <summary>The primary saw the sender and recipient again within the window but refused
    /// the recipient: the client came back, the primary's own filters stopped it.</summary>
    Rejected,

    /// <summary>Never seen at the primary within the window: deterred.</summary>
    NeverSeen,

    /// <summary>Not seen at the primary yet, but the window reaches past the end of the log,
    /// so it may still come: not counted as deterred.</summary>
    Pending,

    /// <summary>The session ended before MAIL FROM and RCPT TO: nothing to look for.</summary>
    NoEnvelope,
}
