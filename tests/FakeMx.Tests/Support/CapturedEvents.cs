using System.Collections.Concurrent;
using FakeMx.Events;

namespace FakeMx.Tests.Support;

/// <summary>An event sink that keeps every finished session for the test to inspect.</summary>
public sealed class CapturedEvents : IEventSink
{
    private readonly ConcurrentQueue<SessionEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyList<SessionEvent> All => [.. _events];

    public bool TryWrite(SessionEvent sessionEvent)
    {
        _events.Enqueue(sessionEvent);
        _arrived.Release();
        return true;
    }

    /// <summary>Waits until at least <paramref name="count"/> sessions have finished.</summary>
    public async Task<IReadOnlyList<SessionEvent>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (_events.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException($"expected {count} sessions, saw {_events.Count}");
            }
        }

        return All;
    }
}
