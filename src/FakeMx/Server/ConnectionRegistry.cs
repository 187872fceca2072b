using System.Net;
using FakeMx.Smtp;

namespace FakeMx.Server;

/// <summary>Whether a new connection may start a session, and if not, why.</summary>
internal enum Admission
{
    Admitted,
    ConnectionLimit,
    ClientLimit,
    ShuttingDown,
    Denied,
    RateLimited,
    NetworkRateLimited,
}

/// <summary>
/// The open SMTP connections: admits new ones against the global and per-client caps, and
/// lets the <see cref="SessionMonitor"/> and shutdown reach every open session. One lock guards
/// it; admission and release are a few dictionary operations, far below a session's cost.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly object _lock = new();
    private readonly HashSet<SmtpConnection> _open = [];
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private readonly SmtpOptions _options;
    private bool _shuttingDown;

    public ConnectionRegistry(SmtpOptions options)
    {
        _options = options;
    }

    public int OpenCount
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>
    /// Admits <paramref name="connection"/> or says why not. Only an admitted connection is
    /// registered, and must be given back with <see cref="Release"/>. With
    /// <paramref name="capPerClient"/> false (an allow-listed client) only the global cap applies.
    /// </summary>
    public Admission TryAdmit(SmtpConnection connection, bool capPerClient, out int openNow)
    {
        var address = connection.Client.Address;
        lock (_lock)
        {
            openNow = _open.Count;
            if (_shuttingDown)
            {
                return Admission.ShuttingDown;
            }

            if (_open.Count >= _options.MaxConnections)
            {
                return Admission.ConnectionLimit;
            }

            if (capPerClient)
            {
                _perClient.TryGetValue(address, out var fromClient);
                if (fromClient >= _options.MaxConnectionsPerIp)
                {
                    openNow = fromClient;
                    return Admission.ClientLimit;
                }

                _perClient[address] = fromClient + 1;
            }

            connection.CountedPerClient = capPerClient;
            _open.Add(connection);
            return Admission.Admitted;
        }
    }

    public void Release(SmtpConnection connection)
    {
        var address = connection.Client.Address;
        lock (_lock)
        {
            if (!_open.Remove(connection) || !connection.CountedPerClient)
            {
                return;
            }

            var fromClient = _perClient[address] - 1;
            if (fromClient == 0)
            {
                _perClient.Remove(address);
            }
            else
            {
                _perClient[address] = fromClient;
            }
        }
    }

    /// <summary>Refuses new sessions from now on and asks every open one to end.</summary>
    public int BeginShutdown()
    {
        SmtpConnection[] open;
        lock (_lock)
        {
            _shuttingDown = true;
            open = [.. _open];
        }

        foreach (var connection in open)
        {
            connection.RequestEnd(SessionEnd.Shutdown);
        }

        return open.Length;
    }

    /// <summary>
    /// Asks every connection idle longer than <paramref name="idleMillis"/>, or open longer
    /// than <paramref name="sessionMillis"/>, to end. Called by the monitor's single timer.
    /// </summary>
    public void EndExpired(
        long nowMillis,
        long idleMillis,
        long sessionMillis,
        List<(SmtpConnection, SessionEnd)> scratch)
    {
        scratch.Clear();
        lock (_lock)
        {
            foreach (var connection in _open)
            {
                if (connection.AbortIfStalled())
                {
                    continue;
                }

                if (nowMillis - connection.StartMillis >= sessionMillis)
                {
                    scratch.Add((connection, SessionEnd.SessionTimeout));
                }
                else if (nowMillis - connection.LastActivityMillis >= idleMillis)
                {
                    scratch.Add((connection, SessionEnd.IdleTimeout));
                }
            }
        }

        foreach (var (connection, end) in scratch)
        {
            connection.RequestEnd(end);
        }
    }
}
