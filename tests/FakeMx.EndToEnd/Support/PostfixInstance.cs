using System.Text.RegularExpressions;

namespace FakeMx.EndToEnd.Support;

/// <summary>
/// A Postfix instance of its own, inside one lab host: its own configuration directory,
/// queue, data directory and <c>maillog_file</c>, started with <c>postfix -c DIR</c>. The
/// machine's own /etc/postfix instance is never used or touched (only its master.cf is
/// copied as a template).
/// </summary>
public sealed partial class PostfixInstance : IAsyncDisposable
{
    private readonly NetworkLab _lab;
    private bool _running;

    private PostfixInstance(NetworkLab lab, string host, string directory)
    {
        _lab = lab;
        Host = host;
        Directory = directory;
    }

    public string Host { get; }

    public string Directory { get; }

    public string ConfigDirectory => Path.Combine(Directory, "conf");

    public string LogFile => Path.Combine(Directory, "maillog");

    /// <summary>Where the virtual delivery agent of a receiving instance writes its Maildir.</summary>
    public string MailDirectory => Path.Combine(Directory, "mail");

    /// <summary>
    /// A sending MTA: looks up MX records itself (no relayhost), delivers nothing locally,
    /// listens on no network port, and retries on short timers. Its backoff is long enough
    /// that it never retries on its own during a scenario: the test flushes the queue when it
    /// wants the next attempt, so each attempt in the log is one the test asked for.
    /// </summary>
    public static Task<PostfixInstance> CreateSenderAsync(NetworkLab lab, string host, string name, string hostname) =>
        CreateAsync(lab, host, name, hostname,
        [
            "inet_interfaces = loopback-only",
            "mydestination =",
            "relayhost =",
            "smtp_connect_timeout = 2s",
            "smtp_helo_timeout = 10s",
            "minimal_backoff_time = 60s",
            "maximal_backoff_time = 120s",
            "queue_run_delay = 60s",
        ],
        receives: false);

    /// <summary>
    /// A receiving MTA for <paramref name="domains"/>, listening on <paramref name="address"/>
    /// only: every recipient of those domains is delivered by the virtual agent into one Maildir,
    /// so a test can count what arrived, and the log has real smtpd/cleanup/qmgr/virtual lines.
    /// </summary>
    public static Task<PostfixInstance> CreateReceiverAsync(
        NetworkLab lab, string host, string name, string hostname, string address, IEnumerable<string> domains)
    {
        var directory = Path.Combine(lab.TempRoot, name);
        return CreateAsync(lab, host, name, hostname,
        [
            $"inet_interfaces = {address}",
            "mydestination =",
            $"virtual_mailbox_domains = {string.Join(' ', domains)}",
            $"virtual_mailbox_base = {Path.Combine(directory, "mail")}",
            "virtual_mailbox_maps = static:inbox/",
            "virtual_uid_maps = static:65534",
            "virtual_gid_maps = static:65534",
            "virtual_minimum_uid = 100",
            "smtpd_banner = $myhostname ESMTP",
        ],
        receives: true);
    }

    public async Task StartAsync()
    {
        (await PostfixAsync("start")).EnsureSuccess();
        _running = true;
    }

    public async Task StopAsync()
    {
        if (_running)
        {
            await PostfixAsync("stop");
            _running = false;
        }
    }

    /// <summary>Waits until the instance's smtpd listens on <paramref name="address"/>:25.</summary>
    public async Task WaitUntilListeningAsync(string address) =>
        await Wait.UntilAsync(
            async () => (await _lab.ExecAsync(Host, ["ss", "-Hltn", "src", $"{address}:25"])).Stdout.Contains(":25"),
            TimeSpan.FromSeconds(15),
            () => $"Postfix in {Directory} to listen on {address}:25");

    /// <summary>Submits a message through this instance's sendmail, as a local mail user would.</summary>
    public async Task SendAsync(string from, string to, string messageId, string subject)
    {
        var message = $"From: <{from}>\nTo: <{to}>\nSubject: {subject}\nMessage-Id: <{messageId}>\n\n" +
            "A legitimate message that must arrive exactly once.\n";
        (await _lab.ExecAsync(Host, ["sendmail", "-C", ConfigDirectory, "-f", from, "--", to], message))
            .EnsureSuccess();
    }

    /// <summary>Asks the queue manager to retry every deferred message now (<c>postqueue -f</c>).</summary>
    public async Task FlushAsync() =>
        (await _lab.ExecAsync(Host, ["postqueue", "-c", ConfigDirectory, "-f"])).EnsureSuccess();

    /// <summary>The queue listing (<c>postqueue -p</c>).</summary>
    public async Task<string> QueueAsync() =>
        (await _lab.ExecAsync(Host, ["postqueue", "-c", ConfigDirectory, "-p"])).EnsureSuccess().Stdout;

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    public IReadOnlyList<string> LogLines =>
        Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Log lines that contain every one of <paramref name="parts"/>.</summary>
    public IReadOnlyList<string> LinesWith(params string[] parts) =>
        [.. LogLines.Where(line => parts.All(part => line.Contains(part, StringComparison.Ordinal)))];

    /// <summary>Waits until a log line contains every one of <paramref name="parts"/>, and returns it.</summary>
    public async Task<string> WaitForLogAsync(TimeSpan timeout, params string[] parts)
    {
        await Wait.UntilAsync(() => LinesWith(parts).Count > 0, timeout,
            () => $"a line with {string.Join(" + ", parts)} in {LogFile}:\n{Log}");
        return LinesWith(parts)[0];
    }

    /// <summary>Message files the virtual agent delivered (new/ and cur/ of the Maildir).</summary>
    public IReadOnlyList<string> DeliveredMessages()
    {
        var inbox = Path.Combine(MailDirectory, "inbox");
        return System.IO.Directory.Exists(inbox)
            ? [.. new[] { "new", "cur" }.Select(folder => Path.Combine(inbox, folder))
                .Where(System.IO.Directory.Exists)
                .SelectMany(System.IO.Directory.EnumerateFiles)]
            : [];
    }

    /// <summary>Queue ids in a <c>postqueue -p</c> listing.</summary>
    public static IReadOnlyList<string> QueueIds(string listing) =>
        [.. QueueId().Matches(listing).Select(m => m.Groups[1].Value)];

    /// <summary>Copies the log into <paramref name="directory"/> as <paramref name="fileName"/>.</summary>
    public void SaveLog(string directory, string fileName) =>
        File.WriteAllText(Path.Combine(directory, fileName), Log);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // The namespace teardown kills whatever is left of it by PID.
        }
    }

    private Task<CommandResult> PostfixAsync(string verb) =>
        _lab.ExecAsync(Host, ["postfix", "-c", ConfigDirectory, verb]);

    private static async Task<PostfixInstance> CreateAsync(
        NetworkLab lab, string host, string name, string hostname, string[] settings, bool receives)
    {
        var directory = Path.Combine(lab.TempRoot, name);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        var instance = new PostfixInstance(lab, host, directory);
        var conf = System.IO.Directory.CreateDirectory(instance.ConfigDirectory).FullName;
        var data = System.IO.Directory.CreateDirectory(Path.Combine(directory, "data")).FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "queue"));
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        (await Command.RunAsync("chown", "postfix", data)).EnsureSuccess();
        if (receives)
        {
            var mail = System.IO.Directory.CreateDirectory(instance.MailDirectory).FullName;
            (await Command.RunAsync("chown", "nobody:nogroup", mail)).EnsureSuccess();
        }

        File.Copy("/etc/postfix/master.cf", Path.Combine(conf, "master.cf"));
        string[] common =
        [
            "compatibility_level = 3.6",
            $"queue_directory = {Path.Combine(directory, "queue")}",
            $"data_directory = {data}",
            $"maillog_file = {instance.LogFile}",
            $"maillog_file_prefixes = {Path.GetTempPath().TrimEnd('/')}",
            $"myhostname = {hostname}",
            "myorigin = $myhostname",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "alias_maps =",
            "alias_database =",
            "biff = no",
        ];
        await File.WriteAllLinesAsync(Path.Combine(conf, "main.cf"), [.. common, .. settings]);

        // No chroot: the instance lives in a temporary directory, not in a prepared jail.
        (await Command.RunAsync("postconf", "-c", conf, "-F", "*/*/chroot = n")).EnsureSuccess();
        if (!receives)
        {
            (await Command.RunAsync("postconf", "-c", conf, "-M#", "smtp/inet")).EnsureSuccess();
        }

        return instance;
    }

    [GeneratedRegex(@"^([0-9A-F]{6,})[*!]?\s", RegexOptions.Multiline)]
    private static partial Regex QueueId();
}
