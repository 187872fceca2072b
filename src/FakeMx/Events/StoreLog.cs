using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Events;

/// <summary>
/// The event store's log lines. Each starts with a capitalised keyword; locations are shown
/// without passwords.
/// </summary>
internal static partial class StoreLog
{
    [LoggerMessage(LogEvents.StoreOpened, LogLevel.Information,
        "STORE open {Kind} {Location} schema v{Version}")]
    public static partial void Opened(ILogger logger, string kind, string location, int version);

    [LoggerMessage(LogEvents.SchemaMigrated, LogLevel.Information,
        "SCHEMA migrated {Location} from v{From} to v{To}")]
    public static partial void Migrated(ILogger logger, string location, int from, int to);

    [LoggerMessage(LogEvents.StoreUnavailable, LogLevel.Error,
        "STORE UNAVAILABLE {Location}: {Reason}; retrying in {DelaySeconds}s with {Queued} sessions queued")]
    public static partial void Unavailable(
        ILogger logger, string location, string reason, double delaySeconds, long queued);

    [LoggerMessage(LogEvents.StoreRecovered, LogLevel.Information,
        "STORE RECOVERED {Location} after {Failures} failed attempts over {Seconds}s; {Queued} sessions queued")]
    public static partial void Recovered(ILogger logger, string location, int failures, double seconds, long queued);

    [LoggerMessage(LogEvents.EventsDropped, LogLevel.Warning,
        "EVENTS DROPPED {Count} sessions not recorded: queue full ({Capacity}); {Total} dropped since start")]
    public static partial void Dropped(ILogger logger, long count, int capacity, long total);

    [LoggerMessage(LogEvents.BatchWritten, LogLevel.Debug,
        "BATCH WRITTEN {Count} sessions in {Milliseconds}ms; {Total} written since start")]
    public static partial void BatchWritten(ILogger logger, int count, double milliseconds, long total);

    [LoggerMessage(LogEvents.Pruned, LogLevel.Information,
        "PRUNE removed {Count} sessions that started before {Cutoff:u} (retention {Days} days)")]
    public static partial void Pruned(ILogger logger, long count, DateTimeOffset cutoff, int days);

    [LoggerMessage(LogEvents.PruneFailed, LogLevel.Warning, "PRUNE FAILED {Location}: {Reason}; next try in an hour")]
    public static partial void PruneFailed(ILogger logger, string location, string reason);

    [LoggerMessage(LogEvents.QueueFlushed, LogLevel.Information,
        "FLUSH wrote the queue before exit; {Total} sessions written since start")]
    public static partial void Flushed(ILogger logger, long total);

    [LoggerMessage(LogEvents.QueueLost, LogLevel.Error,
        "FLUSH INCOMPLETE {Count} queued sessions not recorded: the store was unavailable until the shutdown timeout")]
    public static partial void Lost(ILogger logger, long count);
}
