using System.Runtime;

namespace FakeMx.Server;

/// <summary>
/// Gives memory back to the system once a burst of connections is over. After a burst the
/// runtime keeps the heap it grew (ready for the next one), so a node that weathered an attack
/// would stay at its peak size for hours. A burst is either many connections open at once
/// (a slow-drip attack) or many arriving in a short time (a flood of short connections); once
/// the connections open have fallen to a tenth of the burst's and arrivals have almost stopped,
/// one compacting, decommitting collection returns what the burst left behind. It runs at most
/// once per <see cref="Cooldown"/>, in a quiet moment by construction, so its pause costs
/// nothing that matters.
/// </summary>
internal sealed class MemoryTrimmer
{
    /// <summary>Bursts smaller than this (connections open, or arrived within
    /// <see cref="Window"/>) are not worth a full collection.</summary>
    public const int MinimumBurst = 500;

    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(30);

    /// <summary>The span over which arrivals are counted.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    private long _arrived;
    private int _peakOpen;
    private long _windowStartMillis = long.MinValue;
    private long _windowStartArrivals;
    private long _lastWindowArrivals;
    private bool _burst;
    private long _lastTrimMillis = long.MinValue;

    /// <summary>Counts one new connection; called for every connection, refused ones too.</summary>
    public void Arrived() => Interlocked.Increment(ref _arrived);

    /// <summary>Called by the monitor's timer; true when it just trimmed.</summary>
    public bool Observe(int openConnections, long nowMillis)
    {
        var arrived = Interlocked.Read(ref _arrived);
        if (_windowStartMillis == long.MinValue
            || nowMillis - _windowStartMillis >= (long)Window.TotalMilliseconds)
        {
            _lastWindowArrivals = arrived - _windowStartArrivals;
            _windowStartArrivals = arrived;
            _windowStartMillis = nowMillis;
        }

        _peakOpen = Math.Max(_peakOpen, openConnections);
        _burst |= _peakOpen >= MinimumBurst || _lastWindowArrivals >= MinimumBurst;

        var quiet = openConnections <= _peakOpen / 10 && _lastWindowArrivals < MinimumBurst / 10;
        var cooledDown = _lastTrimMillis == long.MinValue
            || nowMillis - _lastTrimMillis >= (long)Cooldown.TotalMilliseconds;
        if (!_burst || !quiet || !cooledDown)
        {
            return false;
        }

        _burst = false;
        _peakOpen = openConnections;
        _lastTrimMillis = nowMillis;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return true;
    }
}
