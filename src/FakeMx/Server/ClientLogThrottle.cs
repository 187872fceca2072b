using System.Net;

namespace FakeMx.Server;

/// <summary>
/// Lets a refusal be logged at most once per client address per interval: a flood from one
/// address costs one log line a minute, not one per connection. Memory is bounded: past
/// <see cref="MaxTracked"/> addresses, expired entries are dropped, and if a flood from that
/// many distinct addresses is still fresh, the table starts over (a few extra lines, never
/// unbounded growth).
/// </summary>
internal sealed class ClientLogThrottle
{
    public const int MaxTracked = 16_384;

    private readonly object _lock = new();
    private readonly Dictionary<NetworkKey, long> _lastLogged = [];
    private readonly long _intervalMillis;

    public ClientLogThrottle(TimeSpan interval)
    {
        _intervalMillis = (long)interval.TotalMilliseconds;
    }

    public bool ShouldLog(IPAddress client, long nowMillis)
    {
        var key = NetworkKey.Of(client);
        lock (_lock)
        {
            if (_lastLogged.TryGetValue(key, out var last) && nowMillis - last < _intervalMillis)
            {
                return false;
            }

            if (_lastLogged.Count >= MaxTracked)
            {
                Prune(nowMillis);
            }

            _lastLogged[key] = nowMillis;
            return true;
        }
    }

    private void Prune(long nowMillis)
    {
        foreach (var (key, last) in _lastLogged)
        {
            if (nowMillis - last >= _intervalMillis)
            {
                _lastLogged.Remove(key);
            }
        }

        if (_lastLogged.Count >= MaxTracked)
        {
            _lastLogged.Clear();
        }
    }
}
