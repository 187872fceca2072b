using System.Runtime;

namespace FakeMx.Server;

/// <summary>
/// Gives memory back to the system once a burst of connections is over. After a flood the
/// runtime keeps the heap it grew (ready for the next burst), so a node that weathered an
/// attack stays at its peak size for hours. When the open connections have fallen to a tenth
/// of a peak of at least <see cref="MinimumPeak"/>, one compacting, decommitting collection
/// returns what the burst left behind. It runs at most once per <see cref="Cooldown"/>, in a
/// quiet moment by construction, so its pause costs nothing that matters.
/// </summary>
internal sealed class MemoryTrimmer
{
    /// <summary>Bursts smaller than this are not worth a full collection.</summary>
    public const int MinimumPeak = 500;

    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(30);

    private int _peak;
    private long _lastTrimMillis = -(long)Cooldown.TotalMilliseconds;

    /// <summary>Called by the monitor's timer with the connections open now.</summary>
    public bool Observe(int openConnections, long nowMillis)
    {
        _peak = Math.Max(_peak, openConnections);
        if (_peak < MinimumPeak || openConnections > _peak / 10
            || nowMillis - _lastTrimMillis < (long)Cooldown.TotalMilliseconds)
        {
            return false;
        }

        _peak = openConnections;
        _lastTrimMillis = nowMillis;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return true;
    }
}
