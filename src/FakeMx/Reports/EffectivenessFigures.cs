namespace FakeMx.Reports;

/// <summary>
/// The effectiveness figures of one scope (a recipient domain, or everything). Shares are
/// fractions of <see cref="Judged"/>: sessions that had an envelope and whose window ended
/// inside the log; 0 when nothing was judged.
/// </summary>
public sealed class EffectivenessFigures
{
    /// <summary>Every FakeMX session in scope.</summary>
    public long Sessions { get; init; }

    /// <summary>Sessions that ended before giving a sender and a recipient.</summary>
    public long NoEnvelope { get; init; }

    /// <summary>Sessions not yet decidable: their window runs past the end of the log.</summary>
    public long Pending { get; init; }

    /// <summary>Sessions with a verdict of delivered, rejected or never seen.</summary>
    public long Judged { get; init; }

    public long Delivered { get; init; }
    public double DeliveredShare { get; init; }

    /// <summary>Delivered sessions whose client network (/24, /48) matched the primary's client;
    /// the rest matched on sender and recipient only (the network was not visible or differed
    /// and network matching was off).</summary>
    public long DeliveredSameNetwork { get; init; }

    public long Rejected { get; init; }
    public double RejectedShare { get; init; }

    public long NeverSeen { get; init; }
    public double NeverSeenShare { get; init; }

    /// <summary>Judged sessions whose sender and recipient came to FakeMX again within the
    /// window: the client retried the wrong MX (likely a bot; a legitimate MTA retries from
    /// the top of the MX list).</summary>
    public long Returned { get; init; }
    public double ReturnedShare { get; init; }

    /// <summary>The wait legitimate mail had: from the FakeMX session to acceptance at the
    /// primary. Null when nothing was delivered.</summary>
    public DelayDistribution? Delay { get; init; }
}

/// <summary>Nearest-rank statistics of delays, in seconds.</summary>
public sealed record DelayDistribution(double MedianSeconds, double P90Seconds, double MaxSeconds);
