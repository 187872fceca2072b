using System.Net;
using System.Net.Sockets;
using System.Text;
using FakeMx.Smtp;

namespace FakeMx.Dns;

/// <summary>
/// The SMTP half of <c>fakemx check --probe</c>: connects to one MX address, reads the banner,
/// sends EHLO (noting STARTTLS), and for a host that should be FakeMX walks MAIL FROM:&lt;&gt;,
/// RCPT TO:&lt;postmaster@domain&gt; and DATA until the first 4xx or 5xx. It never sends a
/// message: if DATA is answered 354 it hangs up without the body, which aborts the
/// transaction (RFC 5321 §3.8). Every connect and every reply is bounded by the timeout.
/// </summary>
public sealed class SmtpProbe
{
    private readonly TimeSpan _timeout;
    private readonly string _heloName;

    public SmtpProbe(TimeSpan timeout, string heloName)
    {
        _timeout = timeout;
        _heloName = heloName;
    }

    /// <summary>Probes <paramref name="address"/>; with <paramref name="walk"/> off it stops after EHLO.</summary>
    public async Task<ProbeResult> ProbeAsync(IPAddress address, int port, string domain, bool walk,
        CancellationToken cancel)
    {
        var endpoint = new IPEndPoint(address, port);
        var result = new ProbeResult { Endpoint = endpoint.ToString() };
        using var client = new TcpClient(address.AddressFamily);
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                connect.CancelAfter(_timeout);
                await client.ConnectAsync(endpoint, connect.Token);
            }

            await using var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            await ConverseAsync(stream, reader, result, domain, walk, cancel);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            result.Error = result.Steps.Count == 0
                ? $"no connection within {_timeout.TotalSeconds:0.#}s"
                : $"no reply within {_timeout.TotalSeconds:0.#}s";
        }
        catch (SocketException error)
        {
            result.Error = error.SocketErrorCode == SocketError.ConnectionRefused
                ? "connection refused"
                : error.Message;
        }
        catch (IOException error)
        {
            result.Error = $"connection lost: {error.Message}";
        }

        return result;
    }

    private async Task ConverseAsync(Stream stream, StreamReader reader, ProbeResult result, string domain,
        bool walk, CancellationToken cancel)
    {
        var banner = await ReplyAsync(reader, "connect", result, cancel);
        result.Banner = banner.Line;
        if (banner.Code != 220)
        {
            return;
        }

        var ehlo = await CommandAsync(stream, reader, $"EHLO {_heloName}", result, cancel);
        if (ehlo.Code == 250)
        {
            result.StartTls = ehlo.Lines.Any(l => l.Length > 4 &&
                l[4..].Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase));
        }
        else if (ehlo.Code is >= 500 and < 600)
        {
            ehlo = await CommandAsync(stream, reader, $"HELO {_heloName}", result, cancel);
        }

        if (walk && ehlo.Code == 250)
        {
            await WalkAsync(stream, reader, result, domain, cancel);
        }

        if (!result.AcceptsData && !Closed(result))
        {
            await CommandAsync(stream, reader, "QUIT", result, cancel);
        }
    }

    /// <summary>MAIL, RCPT, DATA until the first refusal; hangs up at once on a 354.</summary>
    private async Task WalkAsync(Stream stream, StreamReader reader, ProbeResult result, string domain,
        CancellationToken cancel)
    {
        // The null sender cannot be bounced to, and postmaster must exist (RFC 5321 §4.5.1).
        string[] commands = ["MAIL FROM:<>", $"RCPT TO:<postmaster@{domain}>", "DATA"];
        foreach (var command in commands)
        {
            var reply = await CommandAsync(stream, reader, command, result, cancel);
            if (reply.Code != 250)
            {
                return;
            }
        }
    }

    private static bool Closed(ProbeResult result) => result.Steps.Count > 0 && result.Steps[^1].Code == 421;

    private async Task<(int Code, string Line, List<string> Lines)> CommandAsync(Stream stream, StreamReader reader,
        string command, ProbeResult result, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
        var verb = command.Split(' ', ':')[0];
        var name = verb is "MAIL" or "RCPT" ? command.Split(':')[0] : verb;
        return await ReplyAsync(reader, name, result, cancel);
    }

    /// <summary>Reads one (possibly multi-line) reply and records its first line as a step.</summary>
    private async Task<(int Code, string Line, List<string> Lines)> ReplyAsync(StreamReader reader, string command,
        ProbeResult result, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        var lines = new List<string>();
        while (true)
        {
            // XXX: a line is read whole before it is cut to 200 characters, so a hostile server can
            // make the probe buffer up to what it sends within the timeout; the check is run by an
            // operator against their own MX hosts, which keeps this acceptable for now.
            var line = await reader.ReadLineAsync(timeout.Token)
                ?? throw new IOException($"closed by the server after {command}");

            // What a server sends is printed to the operator: keep it short and printable.
            lines.Add(ClientText.Sanitize(line, 200));
            if (line.Length < 4 || line[3] != '-')
            {
                break;
            }
        }

        var code = lines[0].Length >= 3 && int.TryParse(lines[0][..3], out var parsed) ? parsed : 0;
        result.Steps.Add(new ProbeStep(command, code, lines[0]));
        return (code, lines[0], lines);
    }
}
