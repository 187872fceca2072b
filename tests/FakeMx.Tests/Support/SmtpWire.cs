using System.Net.Sockets;
using System.Text;

namespace FakeMx.Tests.Support;

/// <summary>
/// A raw TCP SMTP client for tests that need byte-level control: pipelining, bare LF, long
/// lines, garbage. Reads whole replies (multi-line included).
/// </summary>
public sealed class SmtpWire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly StringBuilder _pending = new();

    private SmtpWire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<SmtpWire> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new SmtpWire(client);
    }

    /// <summary>
    /// Connects from a chosen loopback address (127.0.0.2, 127.0.0.3, ...), so one test can
    /// play several distinct clients: Linux routes all of 127.0.0.0/8 to the loopback device.
    /// </summary>
    public static async Task<SmtpWire> ConnectFromAsync(string localAddress, int port)
    {
        var client = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(localAddress), 0));
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new SmtpWire(client);
    }

    /// <summary>The underlying stream, for tests that layer TLS over the connection.</summary>
    public NetworkStream Stream => _stream;

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one complete reply; its lines joined by \n, CRLFs removed.</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cancel.Token)
                ?? throw new EndOfStreamException($"connection closed after: {string.Join("|", lines)}");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>True when the server closes the connection within the timeout, with nothing more to read.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return _pending.Length == 0 && await _stream.ReadAsync(_buffer, cancel.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }

            var read = await _stream.ReadAsync(_buffer, cancel);
            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
