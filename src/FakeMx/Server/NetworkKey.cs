using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FakeMx.Server;

/// <summary>
/// An address or a network as a fixed-size key: the family and the address bits, masked to a
/// prefix. Cheaper to hash and compare than <see cref="IPAddress"/>, and the same shape serves
/// the per-address and per-network rate limits and the CIDR lists.
/// </summary>
internal readonly record struct NetworkKey(bool IsV6, UInt128 Bits)
{
    /// <summary>The network used for the per-network rate: /24 for IPv4, /64 for IPv6, the
    /// usual unit one customer or one hosting box gets.</summary>
    public const int V4NetworkPrefix = 24;
    public const int V6NetworkPrefix = 64;

    public int Width => IsV6 ? 128 : 32;

    public static NetworkKey Of(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? new NetworkKey(true, BinaryPrimitives.ReadUInt128BigEndian(bytes))
            : new NetworkKey(false, BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]));
    }

    /// <summary>The /24 or /64 network this address belongs to.</summary>
    public static NetworkKey NetworkOf(IPAddress address)
    {
        var key = Of(address);
        return key.Masked(key.IsV6 ? V6NetworkPrefix : V4NetworkPrefix);
    }

    /// <summary>This key with every bit past <paramref name="prefix"/> cleared.</summary>
    public NetworkKey Masked(int prefix)
    {
        var hostBits = Width - prefix;
        if (hostBits <= 0)
        {
            return this;
        }

        var hostMask = hostBits >= 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        return this with { Bits = Bits & ~hostMask };
    }
}
