using System.Net;
using System.Net.Sockets;

namespace FakeMx.Events;

/// <summary>
/// The network a client address belongs to for reports and blocklists: the /24 of an IPv4
/// address, the /48 of an IPv6 one (a typical end-site allocation), written as CIDR. Computed
/// once when a session is stored so top-network queries are a plain GROUP BY.
/// </summary>
public static class ClientNetwork
{
    /// <summary>The CIDR of <paramref name="ip"/>'s network, or null when it is not an address.</summary>
    public static string? Of(string ip)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24";
        }

        Array.Clear(bytes, 6, bytes.Length - 6);
        return $"{new IPAddress(bytes)}/48";
    }
}
