/*
 * ProxyHeaderParser - reads the PROXY protocol header a trusted load balancer puts in front of
 * a connection, so FakeMX sees the original client instead of the balancer.
 *
 * STANDARDS
 *   HAProxy's PROXY protocol specification, versions 1 (text) and 2 (binary).
 *   v1: "PROXY" SP ("TCP4" | "TCP6" | "UNKNOWN") [SP src SP dst SP srcport SP dstport] CRLF,
 *       at most 107 octets with its CRLF.
 *   v2: the 12-octet signature, version/command, family/protocol, a 16-bit length, the
 *       addresses, then TLVs, which FakeMX skips unread.
 *   Not: TLV contents (SSL, unique id, ...) and UDP: a datagram family is refused.
 *
 * SECURITY
 *   Pure: no sockets, no clock. Never reads past the bytes it is given, never allocates in
 *   proportion to what the peer claims: the v2 length is bounded by MaxV2Payload before any
 *   byte of the payload is awaited. Ports and addresses are checked strictly; an address that
 *   does not match the announced family is malformed. The caller bounds the time.
 */
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace FakeMx.Server;

/// <summary>Parses PROXY protocol v1 and v2 headers; see the header of this file.</summary>
internal static class ProxyHeaderParser
{
    /// <summary>The longest v1 header, CRLF included, per the specification.</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// The largest v2 payload (addresses and TLVs) accepted: the addresses take at most 216
    /// octets (unix sockets), and real balancers add a few TLVs; 1024 leaves room for those and
    /// refuses a peer that announces 64 KiB to make the server wait and buffer.
    /// </summary>
    public const int MaxV2Payload = 1024;

    private const int V2HeaderLength = 16;

    /// <summary>The v1 opening, "PROXY ".</summary>
    public static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>The v2 signature: CR LF CR LF NUL CR LF "QUIT" LF.</summary>
    public static ReadOnlySpan<byte> V2Signature =>
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseStatus TryParse(
        in ReadOnlySequence<byte> buffer,
        out ProxyHeader? header,
        out string? problem)
    {
        header = null;
        problem = null;
        if (buffer.IsEmpty)
        {
            return ProxyParseStatus.NeedMore;
        }

        Span<byte> start = stackalloc byte[MaxV1Length];
        var available = (int)Math.Min(buffer.Length, MaxV1Length);
        buffer.Slice(0, available).CopyTo(start);
        start = start[..available];

        if (IsPrefixOf(start, V2Signature))
        {
            return start.Length < V2Signature.Length
                ? ProxyParseStatus.NeedMore
                : ParseV2(buffer, out header, out problem);
        }

        if (IsPrefixOf(start, V1Prefix))
        {
            return start.Length < V1Prefix.Length
                ? ProxyParseStatus.NeedMore
                : ParseV1(start, out header, out problem);
        }

        problem = "no PROXY header";
        return ProxyParseStatus.Invalid;
    }

    /// <summary>True when <paramref name="start"/> begins like a PROXY header of either version.</summary>
    public static bool LooksLikeProxyHeader(ReadOnlySpan<byte> start) =>
        start.Length > 0 && (IsPrefixOf(start, V1Prefix) || IsPrefixOf(start, V2Signature));

    /// <summary>True when the bytes seen so far agree with <paramref name="expected"/>'s start.</summary>
    private static bool IsPrefixOf(ReadOnlySpan<byte> seen, ReadOnlySpan<byte> expected)
    {
        var length = Math.Min(seen.Length, expected.Length);
        return seen[..length].SequenceEqual(expected[..length]);
    }

    private static ProxyParseStatus ParseV1(ReadOnlySpan<byte> start, out ProxyHeader? header, out string? problem)
    {
        header = null;
        problem = null;

        var lineFeed = start.IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            if (start.Length >= MaxV1Length)
            {
                problem = $"v1 header longer than {MaxV1Length} octets";
                return ProxyParseStatus.Invalid;
            }

            return ProxyParseStatus.NeedMore;
        }

        if (lineFeed == 0 || start[lineFeed - 1] != (byte)'\r')
        {
            problem = "v1 header not ended by CRLF";
            return ProxyParseStatus.Invalid;
        }

        var line = start[..(lineFeed - 1)];
        if (line.ContainsAnyExceptInRange((byte)' ', (byte)'~'))
        {
            problem = "v1 header has non-printable octets";
            return ProxyParseStatus.Invalid;
        }

        var fields = Encoding.ASCII.GetString(line).Split(' ');
        var length = lineFeed + 1;

        if (fields.Length >= 2 && fields[1] == "UNKNOWN")
        {
            // The sender could not tell the client; anything may follow and is ignored.
            header = new ProxyHeader(1, length, null, null);
            return ProxyParseStatus.Parsed;
        }

        if (fields.Length != 6 || fields[1] is not ("TCP4" or "TCP6"))
        {
            problem = "v1 header is not 'PROXY TCP4|TCP6 SRC DST SPORT DPORT'";
            return ProxyParseStatus.Invalid;
        }

        var v6 = fields[1] == "TCP6";
        if (!TryAddress(fields[2], v6, out var source) || !TryAddress(fields[3], v6, out var destination))
        {
            problem = $"v1 header addresses are not {fields[1]} addresses";
            return ProxyParseStatus.Invalid;
        }

        if (!TryPort(fields[4], out var sourcePort) || !TryPort(fields[5], out var destinationPort))
        {
            problem = "v1 header ports are not 0-65535";
            return ProxyParseStatus.Invalid;
        }

        header = new ProxyHeader(1, length, new IPEndPoint(source, sourcePort),
            new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Parsed;
    }

    private static ProxyParseStatus ParseV2(
        in ReadOnlySequence<byte> buffer,
        out ProxyHeader? header,
        out string? problem)
    {
        header = null;
        problem = null;
        if (buffer.Length < V2HeaderLength)
        {
            return ProxyParseStatus.NeedMore;
        }

        Span<byte> fixedPart = stackalloc byte[V2HeaderLength];
        buffer.Slice(0, V2HeaderLength).CopyTo(fixedPart);

        var version = fixedPart[12] >> 4;
        var command = fixedPart[12] & 0x0F;
        var family = fixedPart[13] >> 4;
        var transport = fixedPart[13] & 0x0F;
        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);

        if (version != 2 || command > 1)
        {
            problem = $"v2 header has version {version} command {command}; only version 2 LOCAL or PROXY exist";
            return ProxyParseStatus.Invalid;
        }

        if (payloadLength > MaxV2Payload)
        {
            problem = $"v2 header announces {payloadLength} octets, over the {MaxV2Payload} accepted";
            return ProxyParseStatus.Invalid;
        }

        if (family > 3 || transport > 2)
        {
            problem = $"v2 header has unknown family/protocol 0x{fixedPart[13]:x2}";
            return ProxyParseStatus.Invalid;
        }

        var length = V2HeaderLength + payloadLength;
        if (buffer.Length < length)
        {
            return ProxyParseStatus.NeedMore;
        }

        // LOCAL: the proxy's own connection (a health check); addresses, if any, are ignored.
        if (command == 0 || family is 0 or 3)
        {
            header = new ProxyHeader(2, length, null, null);
            return ProxyParseStatus.Parsed;
        }

        if (transport != 1)
        {
            problem = "v2 header is not for a TCP stream";
            return ProxyParseStatus.Invalid;
        }

        var addressLength = family == 1 ? 4 : 16;
        if (payloadLength < 2 * addressLength + 4)
        {
            problem = $"v2 header too short for its {(family == 1 ? "IPv4" : "IPv6")} addresses";
            return ProxyParseStatus.Invalid;
        }

        Span<byte> addresses = stackalloc byte[36];
        addresses = addresses[..(2 * addressLength + 4)];
        buffer.Slice(V2HeaderLength, addresses.Length).CopyTo(addresses);

        var source = new IPAddress(addresses[..addressLength]);
        var destination = new IPAddress(addresses.Slice(addressLength, addressLength));
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * addressLength)..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * addressLength + 2)..]);

        // Everything after the addresses is TLVs, skipped with the rest of the payload.
        header = new ProxyHeader(2, length, new IPEndPoint(source, sourcePort),
            new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Parsed;
    }

    private static bool TryAddress(string text, bool v6, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length == 0 || text.Contains('%') || v6 != text.Contains(':'))
        {
            return false;
        }

        // IPAddress.TryParse also takes "10.1" or "0x7f.1"; the specification wants dotted quads.
        if (!v6 && (text.Count(c => c == '.') != 3 || !text.All(c => c == '.' || char.IsAsciiDigit(c))))
        {
            return false;
        }

        return IPAddress.TryParse(text, out address!);
    }

    private static bool TryPort(string text, out int port)
    {
        // The specification forbids leading zeros; "0" alone is a port.
        port = 0;
        return text.Length is > 0 and <= 5
            && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port <= IPEndPoint.MaxPort;
    }
}
