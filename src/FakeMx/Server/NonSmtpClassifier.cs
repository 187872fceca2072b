using System.Buffers;
using System.Text;

namespace FakeMx.Server;

/// <summary>What <see cref="NonSmtpClassifier.Classify"/> decided about a connection's first bytes.</summary>
internal enum FirstBytes
{
    /// <summary>Too few bytes to tell: wait for more before reading commands.</summary>
    Undecided,

    /// <summary>An SMTP command, or at least nothing else we recognize.</summary>
    Smtp,

    /// <summary>Another protocol; the kind says which.</summary>
    Other,
}

/// <summary>
/// Recognizes clients that are not speaking SMTP from the first bytes they send: an HTTP request
/// line, a TLS ClientHello record (0x16 0x03) or a PROXY protocol header. Pure: it looks only at
/// the bytes it is given. It decides as soon as the bytes allow, and waits for at most one line
/// (512 octets) before calling a client SMTP.
/// </summary>
internal static class NonSmtpClassifier
{
    private const int Window = 512;

    private static readonly string[] HttpMethods =
        ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE"];

    public static FirstBytes Classify(in ReadOnlySequence<byte> buffer, out NonSmtpKind kind)
    {
        kind = NonSmtpKind.None;
        if (buffer.IsEmpty)
        {
            return FirstBytes.Undecided;
        }

        Span<byte> start = stackalloc byte[Window];
        var length = (int)Math.Min(buffer.Length, Window);
        buffer.Slice(0, length).CopyTo(start);
        return Classify(start[..length], out kind);
    }

    public static FirstBytes Classify(ReadOnlySpan<byte> start, out NonSmtpKind kind)
    {
        kind = NonSmtpKind.None;
        if (start.IsEmpty)
        {
            return FirstBytes.Undecided;
        }

        // A TLS record of type handshake (22) with a 3.x version: the ClientHello of any TLS.
        if (start[0] == 0x16)
        {
            if (start.Length < 2)
            {
                return FirstBytes.Undecided;
            }

            if (start[1] == 0x03)
            {
                kind = NonSmtpKind.Tls;
                return FirstBytes.Other;
            }
        }

        if (ProxyHeaderParser.LooksLikeProxyHeader(start))
        {
            var full = start.Length >= ProxyHeaderParser.V1Prefix.Length
                && start.StartsWith(ProxyHeaderParser.V1Prefix)
                || start.Length >= ProxyHeaderParser.V2Signature.Length;
            if (!full)
            {
                return FirstBytes.Undecided;
            }

            kind = NonSmtpKind.Proxy;
            return FirstBytes.Other;
        }

        var lineFeed = start.IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            return start.Length >= Window ? FirstBytes.Smtp : FirstBytes.Undecided;
        }

        if (IsHttpRequestLine(start[..lineFeed]))
        {
            kind = NonSmtpKind.Http;
            return FirstBytes.Other;
        }

        return FirstBytes.Smtp;
    }

    /// <summary>
    /// <c>METHOD SP target SP HTTP/digit...</c>. SMTP has no verb that looks like this, so the
    /// test is exact rather than clever: "GET / HTTP/1.1", "CONNECT host:443 HTTP/1.0".
    /// </summary>
    private static bool IsHttpRequestLine(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd((byte)'\r');
        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            return false;
        }

        var method = Encoding.ASCII.GetString(line[..firstSpace]);
        if (Array.IndexOf(HttpMethods, method) < 0)
        {
            return false;
        }

        var rest = line[(firstSpace + 1)..];
        var lastSpace = rest.LastIndexOf((byte)' ');
        if (lastSpace <= 0)
        {
            return false;
        }

        var version = rest[(lastSpace + 1)..];
        return version.Length >= 6 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]);
    }
}
