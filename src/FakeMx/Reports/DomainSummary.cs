using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// One recipient domain's page: what FakeMX saw aimed at it. This is the page a hosting
/// provider hands a customer, so it names only that domain's sessions.
/// </summary>
public sealed class DomainSummary
{
    public required string Domain { get; init; }

    /// <summary>Sessions with at least one recipient in the domain.</summary>
    public long Sessions { get; init; }

    /// <summary>Distinct client addresses among them.</summary>
    public long UniqueClients { get; init; }

    /// <summary>Sessions whose client talked before the banner (early talkers).</summary>
    public long Pregreet { get; init; }

    /// <summary><see cref="Pregreet"/> over <see cref="Sessions"/>; 0 when there were none.</summary>
    public double PregreetShare { get; init; }

    /// <summary>Sessions that got the deferral.</summary>
    public long Deferred { get; init; }

    /// <summary>Envelope sender domains, busiest first (the null sender as <c>&lt;&gt;</c>).</summary>
    public IReadOnlyList<TopEntry> TopSenderDomains { get; init; } = [];

    /// <summary>Client addresses, busiest first.</summary>
    public IReadOnlyList<TopEntry> TopClients { get; init; } = [];

    /// <summary>Sessions per UTC day over the whole window, days without sessions included.</summary>
    public IReadOnlyList<DayCount> Trend { get; init; } = [];
}

/// <summary>Sessions that started on one UTC day.</summary>
public sealed record DayCount(DateOnly Day, long Sessions);
