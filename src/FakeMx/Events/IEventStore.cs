namespace FakeMx.Events;

/// <summary>
/// Where session events are kept: SQLite on one node, PostgreSQL for a fleet. Both give the
/// same answers to the same queries; the schema is created and migrated by
/// <see cref="InitializeAsync"/>. Writes come only from the event writer, in batches; reads come
/// from the CLI, the API and reports, possibly in other processes at the same time.
/// </summary>
public interface IEventStore : IAsyncDisposable
{
    /// <summary>Creates or migrates the schema. Safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Writes a batch in one transaction: all of it or none of it.</summary>
    Task WriteBatchAsync(IReadOnlyList<SessionEvent> batch, CancellationToken cancellationToken);

    /// <summary>Deletes sessions that started before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    Task<StatsReport> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken);

    /// <summary>Sessions matching <paramref name="query"/>, newest first (oldest first when
    /// <see cref="EventQuery.AfterId"/> is set, for following).</summary>
    Task<IReadOnlyList<SessionEvent>> GetEventsAsync(EventQuery query, CancellationToken cancellationToken);

    /// <summary>Sessions per <paramref name="step"/> since <paramref name="since"/>, by outcome.</summary>
    Task<IReadOnlyList<TimeSeriesPoint>> GetTimeSeriesAsync(
        DateTimeOffset since,
        TimeSpan step,
        string? domain,
        CancellationToken cancellationToken);
}
