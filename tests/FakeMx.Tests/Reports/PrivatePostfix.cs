using System.Net.Sockets;

namespace FakeMx.Tests.Reports;

/// <summary>
/// A real Postfix instance under its own config and queue directory on loopback, logging to
/// its own <c>maillog_file</c>; never the machine's instance. Stopped by <c>postfix -c DIR stop</c>.
/// </summary>
internal sealed class PrivatePostfix : IAsyncDisposable
{
    private bool _started;

    private PrivatePostfix(string directory, int? smtpPort)
    {
        Directory = directory;
        SmtpPort = smtpPort;
    }

    public string Directory { get; }

    public string ConfigDirectory => Path.Combine(Directory, "conf");

    public string LogFile => Path.Combine(Directory, "maillog");

    /// <summary>The loopback port smtpd listens on, for a receiving instance.</summary>
    public int? SmtpPort { get; }

    /// <summary>Writes the configuration; <paramref name="smtpPort"/> null makes a send-only instance.</summary>
    public static async Task<PrivatePostfix> CreateAsync(string name, int? smtpPort, params string[] settings)
    {
        var directory = Tool.TempDirectory($"postfix-{name}");
        var instance = new PrivatePostfix(directory, smtpPort);
        foreach (var sub in new[] { "conf", "queue", "data" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        File.Copy("/etc/postfix/master.cf", Path.Combine(instance.ConfigDirectory, "master.cf"));
        var main = new List<string>
        {
            "compatibility_level = 3.6",
            $"queue_directory = {directory}/queue",
            $"data_directory = {directory}/data",
            $"maillog_file = {instance.LogFile}",
            "maillog_file_prefixes = /tmp",
            $"myhostname = {name}.fakemx.test",
            "mydestination =",
            "inet_interfaces = loopback-only",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "smtpd_banner = $myhostname ESMTP",
        };
        main.AddRange(settings);
        await File.WriteAllLinesAsync(Path.Combine(instance.ConfigDirectory, "main.cf"), main);
        await Postconf(instance, "chown", "postfix", Path.Combine(directory, "data"));

        var postconf = Tool.Require("/usr/sbin/postconf");
        await Check(await Tool.RunAsync(postconf, "-c", instance.ConfigDirectory, "-F", "*/*/chroot = n"));
        await Check(await Tool.RunAsync(postconf, "-c", instance.ConfigDirectory, "-M#", "smtp/inet"));
        return instance;
    }

    public async Task StartAsync()
    {
        await Check(await Tool.RunAsync(Tool.Require("/usr/sbin/postfix"), "-c", ConfigDirectory, "start"));
        _started = true;
        await WaitForLogAsync("daemon started", 1, TimeSpan.FromSeconds(20));
    }

    /// <summary>Opens the smtpd listener on <see cref="SmtpPort"/> of a running instance (a
    /// reload), and waits until it accepts: the primary MX coming back.</summary>
    public async Task ListenAsync()
    {
        var port = SmtpPort ?? throw new InvalidOperationException("a send-only instance has no SMTP port");
        await Check(await Tool.RunAsync(Tool.Require("/usr/sbin/postconf"), "-c", ConfigDirectory, "-M",
            $"127.0.0.1:{port}/inet=127.0.0.1:{port} inet n - n - - smtpd"));
        await Check(await Tool.RunAsync(Tool.Require("/usr/sbin/postfix"), "-c", ConfigDirectory, "reload"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await AcceptsAsync(port))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Postfix did not listen on {port}: {ReadLog()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Queues a message with sendmail, as a local program would.</summary>
    public async Task SendAsync(string from, string to, string subject)
    {
        var path = Path.Combine(Directory, $"msg-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(path,
            $"From: <{from}>\nTo: <{to}>\nSubject: {subject}\n\nHello from FakeMX tests.\n");
        var result = await Tool.RunAsync("/bin/sh", "-c",
            $"/usr/sbin/sendmail -C '{ConfigDirectory}' -f '{from}' '{to}' < '{path}'");
        Assert.True(result.ExitCode == 0, result.Output);
    }

    public async Task FlushAsync() =>
        await Check(await Tool.RunAsync(Tool.Require("/usr/sbin/postqueue"), "-c", ConfigDirectory, "-f"));

    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    /// <summary>Waits (bounded) until the log holds <paramref name="count"/> lines containing
    /// <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ReadLog().Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"no {count} × '{text}' in the log within {timeout}:\n{ReadLog()}");
            await Task.Delay(100);
        }
    }

    public async Task StopAsync()
    {
        if (_started)
        {
            _started = false;
            await Tool.RunAsync(Tool.Require("/usr/sbin/postfix"), "-c", ConfigDirectory, "stop");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task Postconf(PrivatePostfix instance, string program, params string[] arguments) =>
        await Check(await Tool.RunAsync(program, arguments));

    private static Task Check(Tool.Result result)
    {
        Assert.True(result.ExitCode == 0, result.Output);
        return Task.CompletedTask;
    }
}
