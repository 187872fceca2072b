namespace FakeMx.EndToEnd.Support;

/// <summary>
/// The shared network for the mail scenarios, built once for the test collection:
/// <code>
///   dns      10.231.7.2    dnsmasq with the test zones
///   primary  10.231.7.10   the real MX (a Postfix instance started per scenario)
///   grey     10.231.7.20   a greylisting MX (smtp-sink answering RCPT with 4xx), when a scenario wants one
///   fakemx   10.231.7.50   fakemx serve (started per scenario with the stage it needs)
///   sender   10.231.7.100  a sending Postfix (fresh queue per scenario)
///   bot      10.231.7.200  swaks, a single-shot sender
/// </code>
/// Zones: backup.test (real MX 10, FakeMX 50), nolisting.test (FakeMX 5, real MX 10),
/// greylisted.test (FakeMX 1, greylisting MX 2, real MX 3).
/// Scenarios share the namespaces and DNS but start their own MTAs and FakeMX, so no
/// scenario sees another's queue, log or remembered dead hosts.
/// </summary>
public sealed class MailLab : IAsyncLifetime
{
    public const int DnsOctet = 2;
    public const int PrimaryOctet = 10;
    public const int GreyOctet = 20;
    public const int FakeMxOctet = 50;
    public const int SenderOctet = 100;
    public const int BotOctet = 200;

    private NetworkLab? _network;
    private Dnsmasq? _dns;
    private int _instances;

    public NetworkLab Network => _network ?? throw new InvalidOperationException("lab not started");

    public Dnsmasq Dns => _dns ?? throw new InvalidOperationException("lab not started");

    public static string PrimaryAddress => NetworkLab.Address(PrimaryOctet);

    public static string GreyAddress => NetworkLab.Address(GreyOctet);

    public static string FakeMxAddress => NetworkLab.Address(FakeMxOctet);

    public static string SenderAddress => NetworkLab.Address(SenderOctet);

    public static string BotAddress => NetworkLab.Address(BotOctet);

    public static Zone Zones { get; } = new Zone()
        .A("sender.example.test", SenderAddress)
        .A("bot.example.test", BotAddress)
        .Mx("backup.test", "mx.backup.test", 10)
        .Mx("backup.test", "fakemx.backup.test", 50)
        .A("mx.backup.test", PrimaryAddress)
        .A("fakemx.backup.test", FakeMxAddress)
        .Mx("nolisting.test", "fakemx.nolisting.test", 5)
        .Mx("nolisting.test", "mx.nolisting.test", 10)
        .A("fakemx.nolisting.test", FakeMxAddress)
        .A("mx.nolisting.test", PrimaryAddress)
        .Mx("greylisted.test", "fakemx.greylisted.test", 1)
        .Mx("greylisted.test", "grey.greylisted.test", 2)
        .Mx("greylisted.test", "mx.greylisted.test", 3)
        .A("fakemx.greylisted.test", FakeMxAddress)
        .A("grey.greylisted.test", GreyAddress)
        .A("mx.greylisted.test", PrimaryAddress);

    public static readonly string[] Domains = ["backup.test", "nolisting.test", "greylisted.test"];

    public async Task InitializeAsync()
    {
        _network = await NetworkLab.CreateAsync();
        await _network.AddHostAsync("dns", DnsOctet, DnsOctet);
        await _network.AddHostAsync("primary", PrimaryOctet, DnsOctet);
        await _network.AddHostAsync("grey", GreyOctet, DnsOctet);
        await _network.AddHostAsync("fakemx", FakeMxOctet, DnsOctet);
        await _network.AddHostAsync("sender", SenderOctet, DnsOctet);
        await _network.AddHostAsync("bot", BotOctet, DnsOctet);
        _dns = await Dnsmasq.StartAsync(_network, "dns", NetworkLab.Address(DnsOctet), Zones);
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
    }

    /// <summary>A fresh sending Postfix in the sender host (new queue, new log).</summary>
    public async Task<PostfixInstance> StartSenderAsync(string scenario)
    {
        var sender = await PostfixInstance.CreateSenderAsync(
            Network, "sender", $"{scenario}-sender-{Interlocked.Increment(ref _instances)}", "sender.example.test");
        await sender.StartAsync();
        return sender;
    }

    /// <summary>A fresh real MX in the primary host for every test domain; not started yet.</summary>
    public Task<PostfixInstance> CreatePrimaryAsync(string scenario) =>
        PostfixInstance.CreateReceiverAsync(
            Network, "primary", $"{scenario}-primary-{Interlocked.Increment(ref _instances)}",
            "mx.backup.test", PrimaryAddress, Domains);

    public async Task<PostfixInstance> StartPrimaryAsync(string scenario)
    {
        var primary = await CreatePrimaryAsync(scenario);
        await primary.StartAsync();
        await primary.WaitUntilListeningAsync(PrimaryAddress);
        return primary;
    }

    public Task<FakeMxProcess> StartFakeMxAsync(string deferAt, string hostname = "fakemx.backup.test") =>
        FakeMxProcess.StartAsync(Network, "fakemx", FakeMxAddress, hostname, deferAt);

    /// <summary>
    /// A greylisting MX: Postfix's smtp-sink answering every RCPT with a 4xx, as a greylisting
    /// server does on a first attempt.
    /// </summary>
    public async Task<ChildProcess> StartGreylistingMxAsync()
    {
        var sink = Network.Start("grey", "smtp-sink (greylisting)",
            ["smtp-sink", "-u", "postfix", "-r", "RCPT", "-h", "grey.greylisted.test", "-v", $"{GreyAddress}:25", "10"]);
        await Wait.UntilAsync(
            async () =>
            {
                if (sink.HasExited)
                {
                    throw new InvalidOperationException($"smtp-sink exited:\n{sink.Transcript}");
                }

                return (await Network.ExecAsync("grey", ["ss", "-Hltn", "src", $"{GreyAddress}:25"]))
                    .Stdout.Contains(":25");
            },
            TimeSpan.FromSeconds(15),
            () => "smtp-sink to listen");
        return sink;
    }
}
