using System.Threading.Channels;
using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Events;

/// <summary>
/// The bounded in-memory queue between the SMTP sessions and the store writer. A session
/// hands its event over with <see cref="TryWrite"/>, which never waits: when the queue is full
/// the event is dropped and counted (<c>fakemx.events.dropped</c> and a warning at most every
/// ten seconds), because an SMTP client must never wait on a database.
/// </summary>
public sealed class EventQueue : IEventSink
{
    /// <summary>The shortest time between two "EVENTS DROPPED" warnings.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly Channel<SessionEvent> _channel;
    private readonly FakeMxMetrics _metrics;
    private readonly ILogger<EventQueue> _logger;
    private long _dropped;
    private long _droppedUnreported;
    private long _lastWarningMillis = long.MinValue / 2;

    public EventQueue(EventStoreOptions options, FakeMxMetrics metrics, ILogger<EventQueue> logger)
    {
        Capacity = options.QueueCapacity;
        _metrics = metrics;
        _logger = logger;
        _channel = Channel.CreateBounded<SessionEvent>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        metrics.TrackEventQueue(() => Count);
    }

    public int Capacity { get; }

    /// <summary>Events waiting for the writer now.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Events dropped since start: queue full, or lost at exit.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The writer's end of the queue.</summary>
    public ChannelReader<SessionEvent> Reader => _channel.Reader;

    public bool TryWrite(SessionEvent sessionEvent)
    {
        // With FullMode.Wait, TryWrite fails at once when full instead of evicting an older event.
        if (_channel.Writer.TryWrite(sessionEvent))
        {
            return true;
        }

        CountDropped(1);
        return false;
    }

    /// <summary>Takes no more events: from now on the writer drains what is left and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Counts events that were taken but could not be stored (lost at exit).</summary>
    public void CountDropped(long count)
    {
        Interlocked.Add(ref _dropped, count);
        Interlocked.Add(ref _droppedUnreported, count);
        _metrics.EventsDropped(count);
        ReportDrops();
    }

    /// <summary>Logs drops not yet reported, unless the last warning was less than ten seconds ago.</summary>
    public void ReportDrops()
    {
        if (Interlocked.Read(ref _droppedUnreported) == 0)
        {
            return;
        }

        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarningMillis);
        if (now - last < WarningInterval.TotalMilliseconds
            || Interlocked.CompareExchange(ref _lastWarningMillis, now, last) != last)
        {
            return;
        }

        var count = Interlocked.Exchange(ref _droppedUnreported, 0);
        if (count > 0)
        {
            StoreLog.Dropped(_logger, count, Capacity, Dropped);
        }
    }
}
