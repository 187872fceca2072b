using System.Net;

namespace FakeMx.Server;

/// <summary>What <see cref="ProxyHeaderParser.TryParse"/> made of the first bytes of a connection.</summary>
internal enum ProxyParseStatus
{
    /// <summary>Could still be a header: read more (the caller bounds the wait).</summary>
    NeedMore,

    /// <summary>A complete, valid header; <see cref="ProxyHeader.Length"/> bytes belong to it.</summary>
    Parsed,

    /// <summary>Not a header, a malformed one, or one over the size bound: close the connection.</summary>
    Invalid,
}

/// <summary>
/// A PROXY protocol header. <see cref="Source"/> is the original client, or null when the
/// header carries no usable address (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC or unix sockets): the
/// connection is then the proxy's own and keeps its TCP peer as the client.
/// </summary>
internal sealed record ProxyHeader(int Version, int Length, IPEndPoint? Source, IPEndPoint? Destination);
