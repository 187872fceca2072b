using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Events;

/// <summary>
/// Deletes sessions older than <see cref="EventStoreOptions.RetentionDays"/>: once the store is
/// open, then every hour. Deletion runs in small transactions so the writer is never held up.
/// On a fleet every node prunes; that is harmless, the work is done once.
/// </summary>
internal sealed class RetentionService : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    private readonly IEventStore _store;
    private readonly EventWriter _writer;
    private readonly EventStoreOptions _options;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(
        IEventStore store,
        EventWriter writer,
        EventStoreOptions options,
        ILogger<RetentionService> logger)
    {
        _store = store;
        _writer = writer;
        _options = options;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.RetentionDays == 0)
        {
            return;
        }

        try
        {
            await _writer.StoreReady.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(Every);
            do
            {
                await PruneAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = DateTimeOffset.UtcNow.AddDays(-_options.RetentionDays);
        try
        {
            var removed = await _store.PruneAsync(cutoff, cancellationToken);
            StoreLog.Pruned(_logger, removed, cutoff, _options.RetentionDays);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            var where = (_store as SqlEventStore)?.Location.Display ?? _options.Location;
            StoreLog.PruneFailed(_logger, where, error.Message.ReplaceLineEndings(" "));
        }
    }
}
