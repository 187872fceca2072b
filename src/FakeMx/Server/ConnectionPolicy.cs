using System.Net;
using System.Threading.RateLimiting;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>
/// The one place that decides whether a new connection may start a session: the deny list,
/// the allow list, the connection rates per address and per network, then the global and
/// per-address caps of the <see cref="ConnectionRegistry"/>. Every check is a few hash lookups
/// and never waits, so admission cannot stall the accept path.
/// </summary>
/// <remarks>
/// The rates use <see cref="PartitionedRateLimiter"/> fixed windows keyed by address and by
/// /24 or /64 network. One timer replenishes every partition, and partitions idle for a few
/// seconds after their window refills are dropped, so memory follows the number of recently
/// active clients, not the number ever seen. Refused attempts do not take a permit.
/// </remarks>
internal sealed class ConnectionPolicy : IDisposable
{
    private readonly ConnectionRegistry _registry;
    private readonly AccessLists _lists;
    private readonly PartitionedRateLimiter<NetworkKey>? _perIp;
    private readonly PartitionedRateLimiter<NetworkKey>? _perNetwork;

    public ConnectionPolicy(AbuseOptions options, ConnectionRegistry registry, AccessLists lists)
    {
        _registry = registry;
        _lists = lists;
        RateSpec.TryParse(options.ConnectionRatePerIp, out var ipRate, out _);
        RateSpec.TryParse(options.ConnectionRatePerNetwork, out var networkRate, out _);
        IpRate = ipRate;
        NetworkRate = networkRate;
        _perIp = Limiter(ipRate);
        _perNetwork = Limiter(networkRate);
    }

    public RateSpec IpRate { get; }

    public RateSpec NetworkRate { get; }

    /// <summary>
    /// Admits <paramref name="connection"/> (registering it) or says why not. Whatever the
    /// answer, the caller gives the connection back with <see cref="Release"/>.
    /// </summary>
    public Admission Admit(SmtpConnection connection, out int openNow)
    {
        openNow = 0;
        var client = connection.Client.Address;
        var allowed = _lists.Allow.Contains(client);

        if (!allowed)
        {
            if (_lists.Deny.Contains(client))
            {
                return Admission.Denied;
            }

            if (!Acquire(_perIp, NetworkKey.Of(client)))
            {
                return Admission.RateLimited;
            }

            if (!Acquire(_perNetwork, NetworkKey.NetworkOf(client)))
            {
                return Admission.NetworkRateLimited;
            }
        }

        return _registry.TryAdmit(connection, capPerClient: !allowed, out openNow);
    }

    public void Release(SmtpConnection connection) => _registry.Release(connection);

    public void Dispose()
    {
        _perIp?.Dispose();
        _perNetwork?.Dispose();
    }

    private static bool Acquire(PartitionedRateLimiter<NetworkKey>? limiter, NetworkKey key)
    {
        if (limiter is null)
        {
            return true;
        }

        using var lease = limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    private static PartitionedRateLimiter<NetworkKey>? Limiter(RateSpec rate)
    {
        if (rate.IsOff)
        {
            return null;
        }

        var options = new FixedWindowRateLimiterOptions
        {
            PermitLimit = rate.Count,
            Window = rate.Period,
            QueueLimit = 0,

            // The partitioned limiter replenishes all partitions from its one timer.
            AutoReplenishment = false,
        };
        return PartitionedRateLimiter.Create<NetworkKey, NetworkKey>(
            key => RateLimitPartition.GetFixedWindowLimiter(key, _ => options));
    }
}
