using System.Net;
using System.Net.Sockets;

namespace FakeMx.Server;

/// <summary>
/// Tries to bind each SMTP endpoint before the host starts, so a port FakeMX may not use is
/// reported as one line naming the fix instead of a host start-up failure with a stack trace.
/// </summary>
public static class ListenPreflight
{
    /// <summary>Returns the first problem found, or null when every endpoint can be bound.</summary>
    /// <param name="listen">The endpoints, as configured.</param>
    /// <param name="flag">The flag that sets them, named in the fix.</param>
    public static string? Check(IEnumerable<string> listen, string flag = "--listen")
    {
        foreach (var text in listen)
        {
            if (!ListenEndpoint.TryParse(text, out var endpoint, out var port, out _) || port == 0)
            {
                continue;
            }

            endpoint ??= new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port);
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
            }

            try
            {
                socket.Bind(endpoint);
            }
            catch (SocketException error)
            {
                return Explain(text, error.SocketErrorCode, flag);
            }
        }

        return null;
    }

    public static string Explain(string endpoint, SocketError? code, string flag = "--listen") => code switch
    {
        SocketError.AccessDenied =>
            $"cannot listen on {endpoint}: permission denied. Ports below 1024 need root or the " +
            "CAP_NET_BIND_SERVICE capability (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE); " +
            "or choose another port with " + flag + " ADDR:PORT.",
        SocketError.AddressAlreadyInUse =>
            $"cannot listen on {endpoint}: address already in use. Another process holds that port " +
            "(see `ss -ltnp`); stop it or choose another with " + flag + " ADDR:PORT.",
        SocketError.AddressNotAvailable =>
            $"cannot listen on {endpoint}: that address is not on this machine; check " + flag + ".",
        _ => $"cannot listen on {endpoint}: {code}; check {flag}.",
    };
}
