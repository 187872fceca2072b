using System.Net;
using System.Net.Sockets;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Cli;

/// <summary>The <c>fakemx serve</c> command line, run as a real process.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_help_lists_every_option_with_its_default()
    {
        var (exitCode, stdout, _) = await FakeMxProcess.RunAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        foreach (var flag in new[]
        {
            "--listen", "--hostname", "--defer-at", "--reply-text", "--max-connections",
            "--max-connections-per-ip", "--config", "--log-level", "--idle-timeout", "--session-timeout",
            "--max-errors", "--max-commands", "--max-recipients",
        })
        {
            Assert.Contains(flag, stdout);
        }

        Assert.Contains("[default: data]", stdout);
        Assert.Contains("[default: 60s]", stdout);
        Assert.Contains("[default: 10]", stdout);
    }

    [Theory]
    [InlineData("--defer-at", "never", "--defer-at: 'never' is not a stage")]
    [InlineData("--max-errors", "0", "--max-errors: must be at least 1 (got 0)")]
    [InlineData("--max-connections", "lots", "--max-connections: 'lots' is not a whole number")]
    [InlineData("--idle-timeout", "soon", "--idle-timeout: 'soon' is not a duration")]
    [InlineData("--listen", "example.org:25", "'example.org' in 'example.org:25' is not an IP address")]
    [InlineData("--listen", "127.0.0.1", "is not ADDR:PORT")]
    [InlineData("--log-level", "loud", "--log-level: 'loud' is not a level")]
    public async Task Invalid_configuration_fails_at_start_with_one_clear_line(
        string flag, string value, string message)
    {
        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("serve", flag, value, "--listen", "127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr);
        Assert.StartsWith("fakemx: invalid configuration: ", stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    [Fact]
    public async Task An_invalid_value_in_the_config_file_names_the_setting()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """{ "Smtp": { "MaxErrors": "many" } }""");
        try
        {
            var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("serve", "--config", file);

            Assert.Equal(2, exitCode);
            Assert.Contains("Smtp:MaxErrors", stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("   at ", stderr + stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Settings_come_from_the_file_then_the_environment_then_the_flags()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file,
            """{ "Smtp": { "Hostname": "from-file.test", "DeferAt": "mail", "ReplyText": "file says later" } }""");
        try
        {
            await using var process = FakeMxProcess.Start(
                ["serve", "--config", file, "--listen", "127.0.0.1:0", "--reply-text", "flag says later"],
                environment: new Dictionary<string, string> { ["FAKEMX__SMTP__DEFERAT"] = "rcpt" });
            var port = await process.WaitForSmtpPortAsync();
            await using var wire = await SmtpWire.ConnectAsync(port);

            Assert.Equal("220 from-file.test ESMTP", await wire.ReadReplyAsync());
            await wire.SendAsync("EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
            await wire.ReadReplyAsync();
            Assert.Equal("250 2.1.0 Ok", await wire.ReadReplyAsync());
            Assert.Equal("451 4.7.1 flag says later", await wire.ReadReplyAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_missing_config_file_is_named()
    {
        var (exitCode, _, stderr) = await FakeMxProcess.RunAsync("serve", "--config", "/nonexistent/fakemx.json");

        Assert.Equal(2, exitCode);
        Assert.Contains("--config: file '/nonexistent/fakemx.json' does not exist", stderr);
    }

    [Fact]
    public async Task An_unknown_flag_is_a_usage_error()
    {
        var (exitCode, _, stderr) = await FakeMxProcess.RunAsync("serve", "--defer", "data");

        Assert.Equal(2, exitCode);
        Assert.Contains("fakemx serve --help", stderr);
    }

    [Fact]
    public async Task A_port_in_use_fails_at_once_naming_the_fix()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("serve", "--listen", $"127.0.0.1:{port}");

        Assert.Equal(1, exitCode);
        Assert.Contains("--listen", stderr);
        Assert.Contains("fakemx: ", stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    [Fact]
    public async Task Port_25_as_an_unprivileged_user_fails_naming_CAP_NET_BIND_SERVICE_and_listen()
    {
        var port = "127.0.0.1:25";
        await using var process = FakeMxProcess.Start(["serve", "--listen", port], user: "nobody",
            workingDirectory: "/tmp");

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("CAP_NET_BIND_SERVICE", process.Stderr);
        Assert.Contains("--listen", process.Stderr);
    }

    [Fact]
    public async Task SIGTERM_sends_421_to_open_sessions_and_exits_within_five_seconds()
    {
        await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0", "--hostname", "mx.test"]);
        var port = await process.WaitForSmtpPortAsync();
        await using var wire = await SmtpWire.ConnectAsync(port);
        Assert.Equal("220 mx.test ESMTP", await wire.ReadReplyAsync());
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        process.Signal(15);
        var reply = await wire.ReadReplyAsync();
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("421 4.3.2 mx.test Service shutting down, try again later", reply);
        Assert.Equal(0, exitCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"exit took {stopwatch.Elapsed}");
        Assert.Contains("end=shutdown", process.Stdout);
    }

    [Fact]
    public async Task Session_lines_reach_standard_output_while_serving_and_none_is_lost_at_SIGTERM()
    {
        const int sessions = 40;
        await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0", "--hostname", "mx.test",
            "--connection-rate-per-ip", "off", "--connection-rate-per-network", "off"]);
        var port = await process.WaitForSmtpPortAsync();

        await using (var first = await SmtpWire.ConnectAsync(port))
        {
            await first.ReadReplyAsync();
            await first.SendAsync("QUIT\r\n");
            await first.ReadReplyAsync();
            Assert.True(await first.IsClosedByServerAsync());
        }

        // Batched output still arrives while the server runs, not only when it stops.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!process.Stdout.Contains("SESSION [127.0.0.1]") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Contains("end=quit", process.Stdout);

        for (var i = 1; i < sessions; i++)
        {
            await using var wire = await SmtpWire.ConnectAsync(port);
            await wire.ReadReplyAsync();
            await wire.SendAsync("QUIT\r\n");
            await wire.ReadReplyAsync();
            Assert.True(await wire.IsClosedByServerAsync());
        }

        process.Signal(15);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        var lines = process.Stdout.Split('\n');
        Assert.Equal(sessions, lines.Count(l => l.Contains("SESSION [127.0.0.1]") && l.Contains("end=quit")));
        Assert.Contains(lines, l => l.Contains("SHUTDOWN stopped accepting"));
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        var (exitCode, stdout, _) = await FakeMxProcess.RunAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }
}
