using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using FakeMx.Server;

namespace FakeMx.Tests.Abuse;

/// <summary>The PROXY protocol parser on its own: every version, family and failure.</summary>
public sealed class ProxyHeaderParserTests
{
    [Fact]
    public void V1_tcp4_names_the_original_client()
    {
        var header = Parsed("PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\nEHLO x\r\n");
        Assert.Equal(1, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51234), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 25), header.Destination);
        Assert.Equal("PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\n".Length, header.Length);
    }

    [Fact]
    public void V1_tcp6_names_the_original_client()
    {
        var header = Parsed("PROXY TCP6 2001:db8::7 2001:db8::1 40000 25\r\n");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000), header.Source);
    }

    [Fact]
    public void V1_unknown_keeps_the_peer()
    {
        var header = Parsed("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
        Assert.Null(header.Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 51234\r\n")]
    [InlineData("PROXY TCP4 2001:db8::7 192.0.2.1 51234 25\r\n")]
    [InlineData("PROXY TCP6 203.0.113.7 2001:db8::1 51234 25\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 65536 25\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 051234 25\r\n")]
    [InlineData("PROXY TCP4 10.1 192.0.2.1 1 25\r\n")]
    [InlineData("PROXY TCP4  203.0.113.7 192.0.2.1 1 25\r\n")]
    [InlineData("PROXY UDP4 203.0.113.7 192.0.2.1 1 25\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 1 25\n")]
    [InlineData("EHLO client.test\r\n")]
    public void Malformed_v1_headers_are_invalid(string text) =>
        Assert.Equal(ProxyParseStatus.Invalid, Status(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void A_v1_header_without_its_line_end_needs_more_until_107_octets()
    {
        Assert.Equal(ProxyParseStatus.NeedMore, Status("PROXY TCP4 203.0.113.7 192.0"u8.ToArray()));
        Assert.Equal(ProxyParseStatus.NeedMore, Status("PRO"u8.ToArray()));

        var oversized = Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 100));
        Assert.Equal(ProxyParseStatus.Invalid, Status(oversized));
    }

    [Fact]
    public void V2_proxy_ipv4_names_the_original_client_and_skips_tlvs()
    {
        byte[] tlv = [0x04, 0x00, 0x03, 0xAA, 0xBB, 0xCC];
        var bytes = V2(command: 1, family: 0x11, Ipv4Addresses("198.51.100.9", "192.0.2.1", 40001, 25), tlv);
        var header = Parsed(bytes.Concat("EHLO x\r\n"u8.ToArray()).ToArray());

        Assert.Equal(2, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 40001), header.Source);
        Assert.Equal(bytes.Length, header.Length);
    }

    [Fact]
    public void V2_proxy_ipv6_names_the_original_client()
    {
        var addresses = IPAddress.Parse("2001:db8::9").GetAddressBytes()
            .Concat(IPAddress.Parse("2001:db8::1").GetAddressBytes())
            .Concat(Port(40002)).Concat(Port(25)).ToArray();
        var header = Parsed(V2(command: 1, family: 0x21, addresses));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::9"), 40002), header.Source);
    }

    [Fact]
    public void V2_local_keeps_the_peer()
    {
        var header = Parsed(V2(command: 0, family: 0x00, []));
        Assert.Null(header.Source);
        Assert.Equal(16, header.Length);
    }

    [Fact]
    public void A_truncated_v2_header_needs_more()
    {
        var bytes = V2(command: 1, family: 0x11, Ipv4Addresses("198.51.100.9", "192.0.2.1", 1, 25));
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.Equal(ProxyParseStatus.NeedMore, Status(bytes[..length]));
        }
    }

    [Fact]
    public void A_v2_header_announcing_more_than_the_bound_is_invalid_before_its_payload_arrives()
    {
        var bytes = V2(command: 1, family: 0x11, []);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), ProxyHeaderParser.MaxV2Payload + 1);
        Assert.Equal(ProxyParseStatus.Invalid, ParseProblem(bytes, out var problem));
        Assert.Contains("over the", problem);
    }

    [Theory]
    [InlineData(0x31, 0x11)]
    [InlineData(0x22, 0x11)]
    [InlineData(0x21, 0x12)]
    [InlineData(0x21, 0x41)]
    public void V2_headers_with_a_bad_version_command_or_family_are_invalid(byte versionCommand, byte family)
    {
        var bytes = V2(command: 1, family: family, Ipv4Addresses("198.51.100.9", "192.0.2.1", 1, 25));
        bytes[12] = versionCommand;
        Assert.Equal(ProxyParseStatus.Invalid, Status(bytes));
    }

    [Fact]
    public void A_v2_header_too_short_for_its_addresses_is_invalid()
    {
        Assert.Equal(ProxyParseStatus.Invalid, Status(V2(command: 1, family: 0x11, new byte[8])));
    }

    [Fact]
    public void A_header_split_across_segments_parses()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 51234 25\r\n");
        var first = new Segment(bytes[..10]);
        var last = first.Append(bytes[10..]);
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        Assert.Equal(ProxyParseStatus.Parsed, ProxyHeaderParser.TryParse(sequence, out var header, out _));
        Assert.Equal(51234, header!.Source!.Port);
    }

    internal static byte[] V2(int command, byte family, byte[] addresses, byte[]? tlvs = null)
    {
        var payload = addresses.Concat(tlvs ?? []).ToArray();
        var bytes = new byte[16 + payload.Length];
        ProxyHeaderParser.V2Signature.CopyTo(bytes);
        bytes[12] = (byte)(0x20 | command);
        bytes[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), (ushort)payload.Length);
        payload.CopyTo(bytes, 16);
        return bytes;
    }

    internal static byte[] Ipv4Addresses(string source, string destination, int sourcePort, int destinationPort) =>
        IPAddress.Parse(source).GetAddressBytes().Concat(IPAddress.Parse(destination).GetAddressBytes())
            .Concat(Port(sourcePort)).Concat(Port(destinationPort)).ToArray();

    private static byte[] Port(int port) => [(byte)(port >> 8), (byte)port];

    private static ProxyHeader Parsed(string text) => Parsed(Encoding.ASCII.GetBytes(text));

    private static ProxyHeader Parsed(byte[] bytes)
    {
        Assert.Equal(ProxyParseStatus.Parsed, Parse(bytes, out var header));
        return header!;
    }

    private static ProxyParseStatus Parse(byte[] bytes, out ProxyHeader? header) =>
        ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), out header, out _);

    private static ProxyParseStatus Status(byte[] bytes) => Parse(bytes, out ProxyHeader? _);

    private static ProxyParseStatus ParseProblem(byte[] bytes, out string? problem) =>
        ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), out _, out problem);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
