namespace FakeMx.Events;

/// <summary>
/// The figures of <c>fakemx stats</c> and <c>/api/stats</c>. Dictionary keys are the stable
/// lower-case labels of <see cref="SessionOutcome"/>, <see cref="Smtp.SessionStage"/> and
/// <see cref="Smtp.SessionEnd"/>; every label is present, with 0 when nothing matched.
/// </summary>
public sealed class StatsReport
{
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public string? Domain { get; init; }

    public long Sessions { get; init; }
    public long UniqueIps { get; init; }
    public long Pregreet { get; init; }

    /// <summary>Sessions by <see cref="SessionOutcome"/>.</summary>
    public Dictionary<string, long> Outcomes { get; init; } = [];

    /// <summary>Sessions by furthest stage reached.</summary>
    public Dictionary<string, long> Stages { get; init; } = [];

    /// <summary>Sessions by how they ended.</summary>
    public Dictionary<string, long> Ends { get; init; } = [];

    public IReadOnlyList<TopEntry> TopIps { get; init; } = [];

    /// <summary>Client networks: /24 for IPv4, /48 for IPv6, written as CIDR.</summary>
    public IReadOnlyList<TopEntry> TopNetworks { get; init; } = [];
    public IReadOnlyList<TopEntry> TopHelos { get; init; } = [];
    public IReadOnlyList<TopEntry> TopSenderDomains { get; init; } = [];
    public IReadOnlyList<TopEntry> TopRecipientDomains { get; init; } = [];
    public IReadOnlyList<TopEntry> TopRecipients { get; init; } = [];

    /// <summary>The same window, node by node.</summary>
    public IReadOnlyList<NodeStats> Nodes { get; init; } = [];
}

/// <summary>One line of a top list: a value and how many sessions had it.</summary>
public sealed record TopEntry(string Value, long Sessions);

/// <summary>One node's share of a report.</summary>
public sealed record NodeStats(string Node, long Sessions, long UniqueIps, DateTimeOffset? LastSeen);

/// <summary>One step of a time series: sessions that started in [Start, Start + step), by outcome.</summary>
public sealed record TimeSeriesPoint(DateTimeOffset Start, IReadOnlyDictionary<string, long> Outcomes);
