using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// HostileLoad PORT SERVER_PID SCENARIO HOSTILE_SECONDS
//   SCENARIO: trickle (5,000 connections sending a byte every 3 s), flood (new connections from
//   one address as fast as they go), garbage (1,000 clients sending random bytes, reconnecting).
// Phases: 10 s baseline (legitimate client only), the hostile phase, 60 s after (RSS read at
// +20 s and +60 s: the GC and Kestrel's memory pool give memory back gradually). Everything is
// loopback (127.0.0.0/8) and bounded in count and time. Prints one Markdown table row.
var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var serverPid = int.Parse(args[1], CultureInfo.InvariantCulture);
var scenario = args[2];
var hostileSeconds = int.Parse(args[3], CultureInfo.InvariantCulture);
var server = new IPEndPoint(IPAddress.Loopback, port);
var serverStart = ProcessStart(serverPid);

var legit = new LegitClient(server);
using var stopLegit = new CancellationTokenSource();
var legitTask = legit.RunAsync(stopLegit.Token);

await Task.Delay(TimeSpan.FromSeconds(10));
var baseline = legit.TakePhase();
var rssBefore = Rss(serverPid);

using var stopHostile = new CancellationTokenSource(TimeSpan.FromSeconds(hostileSeconds));
var rssPeak = rssBefore;
var sampler = Task.Run(async () =>
{
    while (!stopHostile.IsCancellationRequested)
    {
        rssPeak = Math.Max(rssPeak, Rss(serverPid));
        await Task.Delay(500);
    }
});

var hostile = new Hostile(server);
var hostileTask = scenario switch
{
    "trickle" => hostile.TrickleAsync(5000, stopHostile.Token),
    "flood" => hostile.FloodAsync(200_000, stopHostile.Token),
    "garbage" => hostile.GarbageAsync(1000, stopHostile.Token),
    _ => throw new ArgumentException($"unknown scenario {scenario}"),
};
await hostileTask;
await sampler;
var during = legit.TakePhase();
var rssEnd = Rss(serverPid);

await Task.Delay(TimeSpan.FromSeconds(20));
var rssAfter20 = Rss(serverPid);
await Task.Delay(TimeSpan.FromSeconds(40));
stopLegit.Cancel();
await legitTask;
var after = legit.TakePhase();
var rssAfter = Rss(serverPid);
var sameProcess = ProcessStart(serverPid) == serverStart;

Console.WriteLine(
    $"| {scenario} | {hostile.Summary} | {baseline} | {during} | {after} | " +
    $"{rssBefore / 1024} / {rssPeak / 1024} / {rssEnd / 1024} / {rssAfter20 / 1024} / {rssAfter / 1024} | " +
    $"{(sameProcess ? $"yes (pid {serverPid})" : "NO")} |");
return sameProcess && during.Failures == 0 ? 0 : 1;

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
    }

    return 0;
}

static string ProcessStart(int pid) => File.ReadAllText($"/proc/{pid}/stat").Split(' ')[21];

/// <summary>Latencies of one phase of the legitimate client.</summary>
internal sealed record Phase(List<double> Millis, int Failures)
{
    public override string ToString()
    {
        if (Millis.Count == 0)
        {
            return $"0 sessions, {Failures} failed";
        }

        Millis.Sort();
        double At(double q) => Millis[Math.Min(Millis.Count - 1, (int)(q * Millis.Count))];
        return string.Create(CultureInfo.InvariantCulture,
            $"{Millis.Count} ok, {Failures} failed; p50 {At(0.5):F1} ms, p95 {At(0.95):F1} ms, max {Millis[^1]:F1} ms");
    }
}

/// <summary>
/// A well-behaved MTA: a full session (banner, EHLO, MAIL, RCPT, DATA answered 451, QUIT) every
/// 300 ms, rotating over ten addresses 127.0.0.10-19 so each stays at 20 connections a minute,
/// under the default per-address rate of 30/1m.
/// </summary>
internal sealed class LegitClient(IPEndPoint server)
{
    private readonly object _lock = new();
    private List<double> _millis = [];
    private int _failures;

    public Phase TakePhase()
    {
        lock (_lock)
        {
            var phase = new Phase(_millis, _failures);
            _millis = [];
            _failures = 0;
            return phase;
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            var next = Task.Delay(300);
            var source = IPAddress.Parse($"127.0.0.{10 + round++ % 10}");
            var clock = Stopwatch.StartNew();
            bool ok;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                ok = await SessionAsync(source, timeout.Token);
            }
            catch (Exception)
            {
                ok = false;
            }

            lock (_lock)
            {
                if (ok)
                {
                    _millis.Add(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    _failures++;
                }
            }

            await next;
        }
    }

    private async Task<bool> SessionAsync(IPAddress source, CancellationToken cancel)
    {
        using var socket = await Net.ConnectAsync(source, server, cancel);
        var reader = new ReplyReader(socket);
        if (!(await reader.ReadAsync(cancel)).StartsWith("220 "))
        {
            return false;
        }

        string[] commands =
        [
            "EHLO legit.example.org", "MAIL FROM:<bounce@example.org>", "RCPT TO:<user@example.test>", "DATA", "QUIT",
        ];
        string[] expected = ["250", "250", "250", "451", "221"];
        for (var i = 0; i < commands.Length; i++)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(commands[i] + "\r\n"), cancel);
            if (!(await reader.ReadAsync(cancel)).StartsWith(expected[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The three kinds of hostile load.</summary>
internal sealed class Hostile(IPEndPoint server)
{
    private long _opened;
    private long _refused;
    private long _failed;

    public string Summary { get; private set; } = string.Empty;

    /// <summary>
    /// <paramref name="count"/> connections from 500 addresses (10 each, 20 addresses per /24 so
    /// the default per-network rate is not what stops them), each sending one byte of "NOOP\r\n"
    /// every 3 seconds for as long as the phase lasts.
    /// </summary>
    public async Task TrickleAsync(int count, CancellationToken stop)
    {
        var open = new List<Task>(count);
        using var connecting = new SemaphoreSlim(200);
        var peak = 0L;
        for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
        {
            var address = i / 10;
            var source = IPAddress.Parse($"127.1.{address / 20}.{address % 20 + 1}");
            await connecting.WaitAsync(stop).ConfigureAwait(false);
            open.Add(Task.Run(async () =>
            {
                Socket socket;
                try
                {
                    socket = await Net.ConnectAsync(source, server, stop);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _failed);
                    return;
                }
                finally
                {
                    connecting.Release();
                }

                using (socket)
                {
                    var now = Interlocked.Increment(ref _opened);
                    InterlockedMax(ref peak, now);
                    var bytes = "NOOP\r\n"u8.ToArray();
                    try
                    {
                        for (var b = 0; !stop.IsCancellationRequested; b++)
                        {
                            await Task.Delay(3000, stop);
                            await socket.SendAsync(bytes.AsMemory(b % bytes.Length, 1), stop);
                        }
                    }
                    catch (Exception)
                    {
                        // The phase ended, or the server closed a connection: both end the trickle.
                    }
                }
            }));
        }

        await Task.WhenAll(open);
        Summary = $"{peak} trickling at once, {_failed} connects failed";
    }

    /// <summary>New connections from 127.2.0.1, 64 at a time, until the phase ends or the bound.</summary>
    public async Task FloodAsync(int bound, CancellationToken stop)
    {
        var source = IPAddress.Parse("127.2.0.1");
        var total = 0L;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref total) <= bound)
            {
                try
                {
                    using var socket = await Net.ConnectAsync(source, server, stop);
                    var reply = await new ReplyReader(socket).ReadAsync(stop);
                    Interlocked.Increment(ref reply.StartsWith("421 ") ? ref _refused : ref _opened);
                    if (reply.StartsWith("220 "))
                    {
                        await socket.SendAsync("QUIT\r\n"u8.ToArray(), stop);
                    }

                    // Let the server close first, so TIME_WAIT lands on its side, not on our ports.
                    var sink = new byte[256];
                    while (await socket.ReceiveAsync(sink, stop) > 0)
                    {
                    }
                }
                catch (Exception)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _failed);
                    }
                }
            }
        }));
        await Task.WhenAll(workers);
        var done = _opened + _refused;
        Summary = string.Create(CultureInfo.InvariantCulture,
            $"{done} connections ({done / clock.Elapsed.TotalSeconds:F0}/s): " +
            $"{_opened} greeted 220, {_refused} got 421, " +
            $"{_failed} errors");
    }

    /// <summary>
    /// <paramref name="count"/> clients from 100 addresses in 127.3.0.0/16, each sending 64 random
    /// bytes every 100 ms until the server closes it, then reconnecting a second later.
    /// </summary>
    public async Task GarbageAsync(int count, CancellationToken stop)
    {
        var sessions = 0L;
        var bytesSent = 0L;
        var clients = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            var address = i / 10;
            var source = IPAddress.Parse($"127.3.{address / 20}.{address % 20 + 1}");
            var random = new Random(i);
            var chunk = new byte[64];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var socket = await Net.ConnectAsync(source, server, stop);
                    Interlocked.Increment(ref sessions);
                    var drain = DrainAsync(socket, stop);
                    while (!drain.IsCompleted)
                    {
                        random.NextBytes(chunk);
                        await socket.SendAsync(chunk, stop);
                        Interlocked.Add(ref bytesSent, chunk.Length);
                        await Task.WhenAny(drain, Task.Delay(100, stop));
                    }
                }
                catch (Exception)
                {
                    // Closed by the server mid-send, or the phase ended.
                }

                await Task.Delay(1000, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }));
        await Task.WhenAll(clients);
        Summary = $"{count} clients, {sessions} connections, {bytesSent / 1024} KiB of random bytes";
    }

    private static async Task DrainAsync(Socket socket, CancellationToken stop)
    {
        var sink = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(sink, stop) > 0)
            {
            }
        }
        catch (Exception)
        {
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value
            && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

internal static class Net
{
    public static async Task<Socket> ConnectAsync(IPAddress source, IPEndPoint server, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, cancel);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>Reads whole SMTP replies (multi-line included) from a socket.</summary>
internal sealed class ReplyReader(Socket socket)
{
    private readonly byte[] _buffer = new byte[4096];
    private readonly StringBuilder _pending = new();

    public async Task<string> ReadAsync(CancellationToken cancel)
    {
        while (true)
        {
            var text = _pending.ToString();
            var start = 0;
            int end;
            while ((end = text.IndexOf("\r\n", start, StringComparison.Ordinal)) >= 0)
            {
                var line = text[start..end];
                start = end + 2;
                if (line.Length < 4 || line[3] != '-')
                {
                    _pending.Remove(0, start);
                    return line;
                }
            }

            var read = await socket.ReceiveAsync(_buffer, cancel);
            if (read == 0)
            {
                return string.Empty;
            }

            _pending.Append(Encoding.ASCII.GetString(_buffer, 0, read));
        }
    }
}
