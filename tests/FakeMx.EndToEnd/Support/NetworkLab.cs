using System.Text.RegularExpressions;

namespace FakeMx.EndToEnd.Support;

/// <summary>
/// Several hosts on one machine: a "hub" network namespace holding a bridge, and one namespace
/// per host joined to it by a veth pair, on a private /24 that exists only inside these
/// namespaces. Every name starts with <see cref="Prefix"/> and this process's id, so a run
/// can tell its own leftovers from another live run's. Disposing kills every process left in
/// the namespaces by PID and removes the namespaces and their /etc/netns folders.
/// </summary>
public sealed partial class NetworkLab : IAsyncDisposable
{
    /// <summary>Every namespace, /etc/netns folder and temporary directory of these tests starts with it.</summary>
    public const string Prefix = "fmxe2e";

    /// <summary>The private network: it exists only inside the namespaces this class creates.</summary>
    public const string Subnet = "10.231.7";

    private readonly string _run = $"{Prefix}-{Environment.ProcessId}";
    private readonly List<string> _namespaces = [];

    private NetworkLab()
    {
        Hub = $"{_run}-hub";
        TempRoot = Directory.CreateTempSubdirectory($"{_run}-").FullName;

        // Postfix's daemons run as user postfix and its virtual delivery as nobody: both need
        // to reach their folders below this one.
        File.SetUnixFileMode(TempRoot, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The namespace with the bridge every host is plugged into.</summary>
    public string Hub { get; }

    /// <summary>A temporary directory for this run's Postfix instances and logs; removed on dispose.</summary>
    public string TempRoot { get; }

    public static async Task<NetworkLab> CreateAsync()
    {
        await RemoveLeftoversAsync();
        var lab = new NetworkLab();
        try
        {
            await lab.AddNamespaceAsync(lab.Hub);
            await Ip("-n", lab.Hub, "link", "add", "br0", "type", "bridge");
            await Ip("-n", lab.Hub, "link", "set", "br0", "up");
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The namespace name of a host.</summary>
    public string Namespace(string host) => $"{_run}-{host}";

    /// <summary>
    /// Adds a host with one address (<c>10.231.7.N</c>) on eth0, and a resolv.conf pointing at
    /// <paramref name="nameserver"/> so programs in it ask the test's DNS server, never the machine's.
    /// </summary>
    public async Task<string> AddHostAsync(string host, int octet, int nameserverOctet)
    {
        var name = Namespace(host);
        await AddNamespaceAsync(name);
        await Ip("-n", Hub, "link", "add", $"v-{host}", "type", "veth", "peer", "name", "eth0", "netns", name);
        await Ip("-n", Hub, "link", "set", $"v-{host}", "master", "br0", "up");
        await Ip("-n", name, "addr", "add", $"{Subnet}.{octet}/24", "dev", "eth0");
        await Ip("-n", name, "link", "set", "eth0", "up");

        var etc = Path.Combine("/etc/netns", name);
        Directory.CreateDirectory(etc);
        await File.WriteAllTextAsync(Path.Combine(etc, "resolv.conf"),
            $"nameserver {Subnet}.{nameserverOctet}\noptions timeout:1 attempts:2\n");
        await File.WriteAllTextAsync(Path.Combine(etc, "hosts"), "127.0.0.1 localhost\n");
        return name;
    }

    /// <summary>Adds a further address to a host.</summary>
    public Task AddAddressAsync(string host, int octet) =>
        Ip("-n", Namespace(host), "addr", "add", $"{Subnet}.{octet}/24", "dev", "eth0");

    /// <summary>Removes an address: connections to it then time out, as to a host that is down.</summary>
    public Task RemoveAddressAsync(string host, int octet) =>
        Ip("-n", Namespace(host), "addr", "del", $"{Subnet}.{octet}/24", "dev", "eth0");

    /// <summary>Runs a program inside a host's namespace and waits for it.</summary>
    public Task<CommandResult> ExecAsync(string host, IEnumerable<string> command, string? stdin = null,
        TimeSpan? timeout = null) =>
        Command.RunAsync("ip", ["netns", "exec", Namespace(host), .. command], stdin, timeout);

    /// <summary>Starts a long-running program inside a host's namespace (ip execs it: same PID).</summary>
    public ChildProcess Start(string host, string name, IEnumerable<string> command) =>
        ChildProcess.Start(name, "ip", ["netns", "exec", Namespace(host), .. command]);

    public static string Address(int octet) => $"{Subnet}.{octet}";

    public async ValueTask DisposeAsync()
    {
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            await RemoveNamespaceAsync(name);
        }

        if (Directory.Exists(TempRoot))
        {
            Directory.Delete(TempRoot, recursive: true);
        }
    }

    private async Task AddNamespaceAsync(string name)
    {
        await Ip("netns", "add", name);
        _namespaces.Add(name);
        await Ip("-n", name, "link", "set", "lo", "up");
    }

    private static async Task Ip(params string[] arguments) =>
        (await Command.RunAsync("ip", arguments)).EnsureSuccess();

    /// <summary>Kills what still runs in a namespace (by PID), then deletes it and its /etc/netns folder.</summary>
    private static async Task RemoveNamespaceAsync(string name)
    {
        var pids = await Command.RunAsync("ip", "netns", "pids", name);
        foreach (var pid in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            await Command.RunAsync("kill", "-KILL", pid.Trim());
        }

        await Command.RunAsync("ip", "netns", "del", name);
        var etc = Path.Combine("/etc/netns", name);
        if (Directory.Exists(etc))
        {
            Directory.Delete(etc, recursive: true);
        }
    }

    /// <summary>
    /// A run that was killed leaves its namespaces behind. Removes those of this prefix whose
    /// owning test process is gone; a live parallel run's namespaces are left alone.
    /// </summary>
    private static async Task RemoveLeftoversAsync()
    {
        var list = await Command.RunAsync("ip", "netns", "list");
        var names = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Concat(Directory.Exists("/etc/netns")
                ? Directory.GetDirectories("/etc/netns").Select(Path.GetFileName).OfType<string>()
                : []);
        foreach (var name in names.Distinct())
        {
            if (IsLeftover(name))
            {
                await RemoveNamespaceAsync(name);
            }
        }

        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), $"{Prefix}-*"))
        {
            if (IsLeftover(Path.GetFileName(directory)))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static bool IsLeftover(string name)
    {
        var match = RunName().Match(name);
        return match.Success && !Directory.Exists($"/proc/{match.Groups[1].Value}");
    }

    [GeneratedRegex($"^{Prefix}-([0-9]+)-")]
    private static partial Regex RunName();
}
