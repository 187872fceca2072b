using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace FakeMx.Server;

/// <summary>Parses listener addresses: <c>ADDR:PORT</c>, <c>[V6ADDR]:PORT</c>, <c>*:PORT</c>.</summary>
public static class ListenEndpoint
{
    /// <summary>Reads one address; null <paramref name="endpoint"/> means every address.</summary>
    public static bool TryParse(
        string text,
        out IPEndPoint? endpoint,
        out int port,
        [NotNullWhen(false)] out string? problem)
    {
        endpoint = null;
        port = 0;
        problem = null;
        text = text.Trim();

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            problem = $"'{text}' is not ADDR:PORT (examples: 0.0.0.0:25, [::1]:2525, *:25)";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port > IPEndPoint.MaxPort)
        {
            problem = $"'{portText}' in '{text}' is not a port number (0-65535)";
            return false;
        }

        if (host == "*")
        {
            return true;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            problem = $"'{text}': write an IPv6 address in brackets, as [{host}]:{port}";
            return false;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            problem = $"'{host}' in '{text}' is not an IP address (use an address, not a name)";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
