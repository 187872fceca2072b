namespace FakeMx.EndToEnd.Support;

/// <summary>
/// dnsmasq serving a private zone under <c>.test</c> and nothing else: no upstream, no
/// /etc/hosts, no configuration file, no pid file, bound to one address. Its log (one line per
/// query) goes to standard error, kept by <see cref="ChildProcess"/>.
/// </summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private Dnsmasq(ChildProcess process, string address, int port)
    {
        _process = process;
        Address = address;
        Port = port;
    }

    public string Address { get; }

    public int Port { get; }

    /// <summary><c>ADDR:PORT</c>, as <c>fakemx check --dns-server</c> takes it.</summary>
    public string Server => $"{Address}:{Port}";

    public string Log => _process.Transcript;

    /// <summary>Starts dnsmasq inside a lab host on port 53 of <paramref name="address"/>.</summary>
    public static async Task<Dnsmasq> StartAsync(NetworkLab lab, string host, string address, Zone zone)
    {
        var process = lab.Start(host, "dnsmasq", ["dnsmasq", .. Arguments(address, 53, zone)]);
        var dns = new Dnsmasq(process, address, 53);
        await dns.WaitUntilAnsweringAsync(zone, ["ip", "netns", "exec", lab.Namespace(host)]);
        return dns;
    }

    /// <summary>Starts dnsmasq on 127.0.0.1 at a free port; no namespace needed.</summary>
    public static async Task<Dnsmasq> StartOnLoopbackAsync(Zone zone)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 60000);
            var process = ChildProcess.Start("dnsmasq", "dnsmasq", Arguments("127.0.0.1", port, zone));
            var dns = new Dnsmasq(process, "127.0.0.1", port);
            try
            {
                await dns.WaitUntilAnsweringAsync(zone, []);
                return dns;
            }
            catch (InvalidOperationException) when (attempt < 5 && process.Transcript.Contains("in use"))
            {
                await dns.DisposeAsync();
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static IEnumerable<string> Arguments(string address, int port, Zone zone) =>
    [
        "--conf-file=/dev/null",
        "--pid-file=",
        "--no-resolv",
        "--no-hosts",
        "--local=/test/",
        $"--listen-address={address}",
        $"--port={port}",
        "--bind-interfaces",
        "--keep-in-foreground",
        "--log-facility=-",
        "--log-queries",
        .. zone.Arguments,
    ];

    /// <summary>Asks for the zone's first name until dnsmasq answers (or has died).</summary>
    private async Task WaitUntilAnsweringAsync(Zone zone, string[] prefix)
    {
        string[] dig =
        [
            .. prefix, "dig", $"@{Address}", "-p", Port.ToString(), "+time=1", "+tries=1", "SOA", zone.Probe,
        ];
        await Wait.UntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"dnsmasq exited:\n{_process.Transcript}");
                }

                var result = await Command.RunAsync(dig[0], dig[1..]);
                return result.Stdout.Contains("status: ", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(15),
            () => $"dnsmasq on {Address}:{Port} to answer:\n{_process.Transcript}");
    }
}
