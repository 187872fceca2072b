using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FakeMx.Reports;

/// <summary>
/// An IPv4 or IPv6 network in CIDR form: an address with its host bits cleared and a prefix
/// length. A single address is a /32 or /128. IPv4-mapped IPv6 addresses (<c>::ffff:a.b.c.d</c>)
/// are read as IPv4, because that is how a dual-stack listener reports IPv4 clients and a
/// blocklist must name them the way firewalls and Postfix see them.
/// </summary>
public readonly record struct IpNetwork : IComparable<IpNetwork>
{
    private IpNetwork(bool isV6, UInt128 bits, int prefixLength)
    {
        IsV6 = isV6;
        Bits = bits & MaskOf(isV6, prefixLength);
        PrefixLength = prefixLength;
    }

    /// <summary>True for IPv6; false for IPv4.</summary>
    public bool IsV6 { get; }

    /// <summary>The network address as a number (IPv4 in the low 32 bits).</summary>
    public UInt128 Bits { get; }

    public int PrefixLength { get; }

    /// <summary>32 for IPv4, 128 for IPv6.</summary>
    public int AddressLength => IsV6 ? 128 : 32;

    /// <summary>True when this network is a single address.</summary>
    public bool IsSingleAddress => PrefixLength == AddressLength;

    /// <summary>The first address of the network (as a number).</summary>
    public UInt128 First => Bits;

    /// <summary>The last address of the network (as a number), computed without overflow.</summary>
    public UInt128 Last => Bits | ~MaskOf(IsV6, PrefixLength) & MaxOf(IsV6);

    /// <summary>The network of <paramref name="prefixLength"/> bits that holds <paramref name="bits"/>.</summary>
    public static IpNetwork FromBits(bool isV6, UInt128 bits, int prefixLength)
    {
        var max = isV6 ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), $"a prefix is 0..{max}");
        }

        if (!isV6 && bits > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), "an IPv4 address has 32 bits");
        }

        return new IpNetwork(isV6, bits, prefixLength);
    }

    /// <summary>A single address as a /32 or /128.</summary>
    public static IpNetwork FromAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        UInt128 bits = 0;
        foreach (var b in bytes)
        {
            bits = (bits << 8) | b;
        }

        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        return new IpNetwork(isV6, bits, isV6 ? 128 : 32);
    }

    /// <summary>
    /// Reads <c>ADDR</c> or <c>ADDR/LEN</c>. Host bits set below the prefix are an error unless
    /// <paramref name="allowHostBits"/> is true (then they are cleared), because
    /// <c>192.0.2.7/24</c> in a list is usually a typo the operator should hear about.
    /// </summary>
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out IpNetwork? network,
        [NotNullWhen(false)] out string? problem,
        bool allowHostBits = false)
    {
        network = null;
        problem = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            problem = "empty address";
            return false;
        }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];

        // A zone id (%eth0) names an interface, not a network; it never belongs in a list.
        if (addressText.Contains('%') || !IPAddress.TryParse(addressText, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            problem = $"'{text}' is not an IPv4 or IPv6 address";
            return false;
        }

        var single = FromAddress(address);
        if (slash < 0)
        {
            network = single;
            return true;
        }

        var lengthText = text[(slash + 1)..];
        var written = address.IsIPv4MappedToIPv6 ? 128 : single.AddressLength;
        if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > written)
        {
            problem = $"'{text}' has a bad prefix length; use 0..{written}";
            return false;
        }

        // An IPv4-mapped address with a v6 prefix (::ffff:192.0.2.0/120) maps to an IPv4 prefix.
        if (address.IsIPv4MappedToIPv6)
        {
            if (length < 96)
            {
                problem = $"'{text}' reaches outside the IPv4-mapped range; use a prefix of 96..128";
                return false;
            }

            length -= 96;
        }

        var candidate = new IpNetwork(single.IsV6, single.Bits, length);
        if (candidate.Bits != single.Bits && !allowHostBits)
        {
            problem = $"'{text}' has host bits set; did you mean {candidate}?";
            return false;
        }

        network = candidate;
        return true;
    }

    public static IpNetwork Parse(string text) =>
        TryParse(text, out var network, out var problem) ? network.Value : throw new FormatException(problem);

    /// <summary>True when <paramref name="other"/> lies wholly inside this network.</summary>
    public bool Contains(IpNetwork other) =>
        IsV6 == other.IsV6 && other.PrefixLength >= PrefixLength && other.First >= First && other.Last <= Last;

    /// <summary>True when the two networks share at least one address.</summary>
    public bool Overlaps(IpNetwork other) =>
        IsV6 == other.IsV6 && First <= other.Last && other.First <= Last;

    /// <summary>The enclosing network of <paramref name="prefixLength"/> bits (never longer than this one).</summary>
    public IpNetwork Truncate(int prefixLength) =>
        new(IsV6, Bits, Math.Min(prefixLength, PrefixLength));

    /// <summary>The client network FakeMX groups by: /24 for IPv4, /48 for IPv6.</summary>
    public IpNetwork ClientNetwork => Truncate(IsV6 ? 48 : 24);

    public IPAddress Address
    {
        get
        {
            var bytes = new byte[IsV6 ? 16 : 4];
            var bits = Bits;
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                bytes[i] = (byte)(bits & 0xff);
                bits >>= 8;
            }

            return new IPAddress(bytes);
        }
    }

    /// <summary>The address alone for a single address, else <c>ADDR/LEN</c>.</summary>
    public override string ToString() => IsSingleAddress ? Address.ToString() : ToCidrString();

    /// <summary>Always <c>ADDR/LEN</c>, also for a single address.</summary>
    public string ToCidrString() => $"{Address}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>IPv4 before IPv6, then by address, then wider networks first.</summary>
    public int CompareTo(IpNetwork other)
    {
        if (IsV6 != other.IsV6)
        {
            return IsV6 ? 1 : -1;
        }

        var byBits = Bits.CompareTo(other.Bits);
        return byBits != 0 ? byBits : PrefixLength.CompareTo(other.PrefixLength);
    }

    internal static UInt128 MaxOf(bool isV6) => isV6 ? UInt128.MaxValue : uint.MaxValue;

    private static UInt128 MaskOf(bool isV6, int prefixLength)
    {
        var length = isV6 ? 128 : 32;
        if (prefixLength == 0)
        {
            return 0;
        }

        // Shifting a UInt128 by 128 is a shift by 0 in .NET, so the all-ones case is explicit.
        var hostBits = length - prefixLength;
        var mask = hostBits == 0 ? MaxOf(isV6) : MaxOf(isV6) & ~((UInt128.One << hostBits) - 1);
        return mask;
    }
}
