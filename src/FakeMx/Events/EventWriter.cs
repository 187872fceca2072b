using System.Diagnostics;
using FakeMx.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Events;

/// <summary>
/// Drains the <see cref="EventQueue"/> into the store: up to <see cref="EventStoreOptions.BatchSize"/>
/// sessions per transaction, or whatever arrived within <see cref="EventStoreOptions.FlushInterval"/>.
///
/// When the store fails (PostgreSQL down, SQLite locked), the same batch is retried with a
/// backoff from 100 ms to 5 s while new sessions wait in the queue up to its bound; beyond
/// that they are dropped and counted by the queue. The SMTP path never notices.
///
/// On shutdown the writer outlives the SMTP listener: it stops taking events only after every
/// other service has stopped (so the sessions closed with 421 by shutdown are recorded too),
/// then writes what is queued within the host's shutdown timeout. Whatever cannot be written by
/// then is counted as dropped and logged.
/// </summary>
internal sealed class EventWriter : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <summary>How often a store that stays down is reported again.</summary>
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(30);

    private readonly EventQueue _queue;
    private readonly IEventStore _store;
    private readonly EventStoreOptions _options;
    private readonly FakeMxMetrics _metrics;
    private readonly ILogger<EventWriter> _logger;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _display;
    private int _inFlight;
    private long _written;

    public EventWriter(
        EventQueue queue,
        IEventStore store,
        EventStoreOptions options,
        FakeMxMetrics metrics,
        ILogger<EventWriter> logger)
    {
        _queue = queue;
        _store = store;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _display = (store as SqlEventStore)?.Location.Display ?? options.Location;
    }

    /// <summary>Completes once the store is open and its schema current.</summary>
    public Task StoreReady => _ready.Task;

    /// <summary>Sessions committed since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Leave the host's start-up at once: opening PostgreSQL may take a while, SMTP must not wait.
        await Task.Yield();
        try
        {
            await RetryAsync(OpenAsync);
            var batch = new List<SessionEvent>(_options.BatchSize);
            while (await FillAsync(batch))
            {
                Volatile.Write(ref _inFlight, batch.Count);
                await RetryAsync(ct => WriteAsync(batch, ct));
                Volatile.Write(ref _inFlight, 0);
                batch.Clear();
                _queue.ReportDrops();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The shutdown timeout ran out; StoppedAsync counts what was lost.
        }
    }

    /// <summary>Not stopped with the other services: the SMTP side may still finish sessions.</summary>
    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every other service has stopped: write what is queued, within the shutdown timeout.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _queue.Complete();
        if (ExecuteTask is null)
        {
            return;
        }

        try
        {
            await ExecuteTask.WaitAsync(cancellationToken);
            _queue.ReportDrops();
            StoreLog.Flushed(_logger, Written);
        }
        catch (OperationCanceledException)
        {
            await _abort.CancelAsync();
            await ExecuteTask.ContinueWith(_ => { }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var lost = _queue.Count + Volatile.Read(ref _inFlight);
            while (_queue.Reader.TryRead(out _))
            {
            }

            _queue.CountDropped(lost);
            StoreLog.Lost(_logger, lost);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        await _store.InitializeAsync(cancellationToken);
        if (_store is SqlEventStore sql)
        {
            if (sql.InitializedFrom < sql.SchemaVersion)
            {
                StoreLog.Migrated(_logger, _display, sql.InitializedFrom, sql.SchemaVersion);
            }

            StoreLog.Opened(_logger, Labels.Kebab(sql.Location.Kind.ToString()), _display, sql.SchemaVersion);
        }

        _ready.TrySetResult();
    }

    private async Task WriteAsync(List<SessionEvent> batch, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await _store.WriteBatchAsync(batch, cancellationToken);
        var elapsed = clock.Elapsed;
        var total = Interlocked.Add(ref _written, batch.Count);
        _metrics.EventsWritten(batch.Count, elapsed);
        StoreLog.BatchWritten(_logger, batch.Count, Math.Round(elapsed.TotalMilliseconds, 2), total);
    }

    /// <summary>Takes a batch: waits for a first event, then up to the flush interval for more.</summary>
    private async Task<bool> FillAsync(List<SessionEvent> batch)
    {
        var reader = _queue.Reader;
        if (!await reader.WaitToReadAsync(_abort.Token))
        {
            return false;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out var sessionEvent))
            {
                batch.Add(sessionEvent);
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (batch.Count >= _options.BatchSize || left <= TimeSpan.Zero)
            {
                return true;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
            wait.CancelAfter(left);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    return true;
                }
            }
            catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds, backing off between failures; only
    /// the shutdown timeout stops it.
    /// </summary>
    // XXX: a batch whose commit succeeded just as the connection died is written twice.
    // XXX: a batch the store rejects for good (not merely unavailable) is retried forever and
    // the queue fills behind it; no such rejection is known for the schema FakeMX writes.
    private async Task RetryAsync(Func<CancellationToken, Task> action)
    {
        var delay = FirstRetry;
        var failures = 0;
        var firstFailure = 0L;
        var lastReport = 0L;
        while (true)
        {
            try
            {
                await action(_abort.Token);
                if (failures > 0)
                {
                    StoreLog.Recovered(_logger, _display, failures,
                        Math.Round(Stopwatch.GetElapsedTime(firstFailure).TotalSeconds, 1), _queue.Count);
                }

                return;
            }
            catch (Exception error) when (!_abort.IsCancellationRequested && error is not StoreProblem)
            {
                failures++;
                _metrics.StoreWriteFailed();
                (_store as PostgresEventStore)?.ResetConnections();
                if (failures == 1)
                {
                    firstFailure = Stopwatch.GetTimestamp();
                }

                if (failures == 1 || Stopwatch.GetElapsedTime(lastReport) >= ReportEvery)
                {
                    lastReport = Stopwatch.GetTimestamp();
                    StoreLog.Unavailable(_logger, _display, OneLine(error), delay.TotalSeconds, _queue.Count);
                }

                _queue.ReportDrops();
                await Task.Delay(delay, _abort.Token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
            }
        }
    }

    private static string OneLine(Exception error) =>
        (error.InnerException is { } inner && error.Message.Length < 20 ? inner.Message : error.Message)
        .ReplaceLineEndings(" ");
}
