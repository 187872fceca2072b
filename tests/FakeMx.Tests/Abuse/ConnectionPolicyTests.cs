using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Abuse;

/// <summary>Caps, rates and lists against the real server, with clients on distinct loopback addresses.</summary>
public sealed class ConnectionPolicyTests
{
    private static readonly (string, string)[] NoRates =
        [("Abuse:ConnectionRatePerIp", "off"), ("Abuse:ConnectionRatePerNetwork", "off")];

    [Fact]
    public async Task The_per_address_cap_answers_421_at_the_configured_number()
    {
        await using var server = await RunningServer.StartAsync([.. NoRates, ("Smtp:MaxConnectionsPerIp", "2")]);

        await using var first = await GreetedAsync("127.0.0.2", server.Port);
        await using var second = await GreetedAsync("127.0.0.2", server.Port);
        await using var third = await SmtpWire.ConnectFromAsync("127.0.0.2", server.Port);
        Assert.StartsWith("421 4.7.0 ", await third.ReadReplyAsync());
        Assert.True(await third.IsClosedByServerAsync());

        await using var other = await GreetedAsync("127.0.0.3", server.Port);

        var refused = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.ClientLimit, refused.End);
        Assert.Equal(SessionOutcome.Refused, refused.Outcome);
    }

    [Fact]
    public async Task The_global_cap_answers_421_at_the_configured_number()
    {
        await using var server = await RunningServer.StartAsync([.. NoRates, ("Smtp:MaxConnections", "3")]);

        var open = new List<SmtpWire>();
        foreach (var address in new[] { "127.0.0.2", "127.0.0.3", "127.0.0.4" })
        {
            open.Add(await GreetedAsync(address, server.Port));
        }

        await using var fourth = await SmtpWire.ConnectFromAsync("127.0.0.5", server.Port);
        Assert.StartsWith("421 4.7.0 mx.fakemx.test Error: too many connections", await fourth.ReadReplyAsync());
        Assert.Equal(SessionEnd.ConnectionLimit, Assert.Single(await server.Events.WaitForAsync(1)).End);

        foreach (var wire in open)
        {
            await wire.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_allow_listed_client_passes_the_cap_and_rate_that_block_others()
    {
        using var folder = new TempFolder();
        var allow = folder.Write("allow.txt", "# our monitoring", "127.0.0.4");
        await using var server = await RunningServer.StartAsync(
            ("Smtp:MaxConnectionsPerIp", "1"), ("Abuse:ConnectionRatePerIp", "2/1m"), ("Abuse:AllowList", allow));

        var allowed = new List<SmtpWire>();
        for (var i = 0; i < 4; i++)
        {
            allowed.Add(await GreetedAsync("127.0.0.4", server.Port));
        }

        await using var other = await GreetedAsync("127.0.0.5", server.Port);
        await using var blocked = await SmtpWire.ConnectFromAsync("127.0.0.5", server.Port);
        Assert.StartsWith("421 ", await blocked.ReadReplyAsync());

        foreach (var wire in allowed)
        {
            await wire.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_denied_client_gets_554_and_is_closed()
    {
        using var folder = new TempFolder();
        var deny = folder.Write("deny.txt", "127.0.0.66/32", "192.0.2.0/24");
        await using var server = await RunningServer.StartAsync(("Abuse:DenyList", deny));

        await using var denied = await SmtpWire.ConnectFromAsync("127.0.0.66", server.Port);
        Assert.StartsWith("554 5.7.1 ", await denied.ReadReplyAsync());
        Assert.True(await denied.IsClosedByServerAsync());
        await using var fine = await GreetedAsync("127.0.0.67", server.Port);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.Denied, recorded.End);
        Assert.Equal("127.0.0.66", recorded.ClientIp);
        Assert.Equal(554, recorded.ReplyCode);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.connections_refused", "reason", "denied"));
    }

    [Fact]
    public async Task The_per_address_rate_refuses_past_its_count_and_resets_with_its_window()
    {
        await using var server = await RunningServer.StartAsync(
            ("Abuse:ConnectionRatePerIp", "2/2s"), ("Abuse:ConnectionRatePerNetwork", "off"));
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.6", server.Port));

        // Fixed windows: a window may end between two connects, which then lets a third one
        // through. That can happen once in a while, never twice in a row within milliseconds.
        var admittedBeforeRefusal = 0;
        for (var attempt = 0; attempt < 3 && admittedBeforeRefusal != 2; attempt++)
        {
            admittedBeforeRefusal = 0;
            while ((await BannerAsync("127.0.0.7", server.Port)).StartsWith("220 ") && admittedBeforeRefusal < 6)
            {
                admittedBeforeRefusal++;
            }
        }

        Assert.Equal(2, admittedBeforeRefusal);
        var refusedAt = DateTime.UtcNow;
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.8", server.Port));

        // Within the two-second window, and a replenishment tick after, the address is back.
        string banner;
        do
        {
            await Task.Delay(50);
            banner = await BannerAsync("127.0.0.7", server.Port);
        }
        while (!banner.StartsWith("220 ") && DateTime.UtcNow - refusedAt < TimeSpan.FromSeconds(5));

        Assert.StartsWith("220 ", banner);
        Assert.True(DateTime.UtcNow - refusedAt < TimeSpan.FromSeconds(3), "the window reset late");
        Assert.True(server.Metrics.Sum("fakemx.smtp.connections_refused", "reason", "rate-limited") >= 1);
    }

    [Fact]
    public async Task The_per_network_rate_counts_every_address_of_a_slash_24()
    {
        await using var server = await RunningServer.StartAsync(
            ("Abuse:ConnectionRatePerIp", "off"), ("Abuse:ConnectionRatePerNetwork", "3/1m"));

        foreach (var address in new[] { "127.0.5.1", "127.0.5.2", "127.0.5.3" })
        {
            Assert.StartsWith("220 ", await BannerAsync(address, server.Port));
        }

        Assert.StartsWith("421 4.7.0 mx.fakemx.test Error: too many connections from your network",
            await BannerAsync("127.0.5.4", server.Port));
        Assert.StartsWith("220 ", await BannerAsync("127.0.6.1", server.Port));

        var events = await server.Events.WaitForAsync(5);
        Assert.Single(events, e => e.End == SessionEnd.NetworkRateLimited);
    }

    [Fact]
    public async Task Refusals_are_logged_once_per_client_per_minute_but_all_counted()
    {
        await using var server = await RunningServer.StartAsync(
            ("Abuse:ConnectionRatePerIp", "1/1m"), ("Abuse:ConnectionRatePerNetwork", "off"));

        Assert.StartsWith("220 ", await BannerAsync("127.0.0.9", server.Port));
        for (var i = 0; i < 5; i++)
        {
            Assert.StartsWith("421 ", await BannerAsync("127.0.0.9", server.Port));
        }

        await server.Events.WaitForAsync(6);
        Assert.Single(server.Logs.WithId(LogEvents.RateLimited));
        Assert.Equal(5, server.Metrics.Sum("fakemx.smtp.connections_refused", "reason", "rate-limited"));
    }

    [Fact]
    public async Task A_changed_deny_list_applies_without_restart_and_a_bad_one_keeps_the_previous()
    {
        using var folder = new TempFolder();
        var deny = folder.Write("deny.txt", "# nobody yet");
        await using var server = await RunningServer.StartAsync([.. NoRates, ("Abuse:DenyList", deny)]);
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.30", server.Port));

        folder.Write("deny.txt", "127.0.0.30");
        Assert.True(await EventuallyAsync(async () =>
            (await BannerAsync("127.0.0.30", server.Port)).StartsWith("554 ")), "the new deny list was not applied");

        folder.Write("deny.txt", "127.0.0.31", "127.0.0.300");
        Assert.True(await EventuallyAsync(() => Task.FromResult(server.Logs.WithId(LogEvents.ListRejected).Any())));
        var rejected = server.Logs.WithId(LogEvents.ListRejected).First().Message;
        Assert.Contains($"{deny}:2: '127.0.0.300'", rejected);
        Assert.StartsWith("554 ", await BannerAsync("127.0.0.30", server.Port));
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.31", server.Port));
    }

    [Fact]
    public async Task A_bad_list_at_start_is_a_configuration_error_naming_file_and_line()
    {
        using var folder = new TempFolder();
        var allow = folder.Write("allow.txt", "10.0.0.0/8", "", "10.0.0.0/99");

        var error = await Assert.ThrowsAsync<ConfigurationProblem>(() =>
            RunningServer.StartAsync(("Abuse:AllowList", allow)));
        Assert.Contains($"--allow-list: {allow}:3: ", error.Message);
    }

    [Fact]
    public async Task The_shipped_defaults_refuse_the_31st_connection_of_a_minute_from_one_address()
    {
        using var folder = new TempFolder();
        await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0", "--hostname", "mx.test",
            "--store", Path.Combine(folder.Path, "events.db")]);
        var port = await process.WaitForSmtpPortAsync();

        for (var i = 0; i < 30; i++)
        {
            Assert.StartsWith("220 ", await BannerAsync("127.0.0.41", port));
        }

        Assert.StartsWith("421 4.7.0 mx.test Error: too many connections from your address",
            await BannerAsync("127.0.0.41", port));
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.42", port));
    }

    [Fact]
    public async Task Sighup_reloads_the_lists_and_does_not_stop_the_server()
    {
        using var folder = new TempFolder();
        var deny = folder.Write("deny.txt", "192.0.2.0/24");
        await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0", "--hostname", "mx.test",
            "--store", Path.Combine(folder.Path, "events.db"), "--deny-list", deny]);
        var port = await process.WaitForSmtpPortAsync();

        process.Signal(1);
        Assert.True(await EventuallyAsync(() => Task.FromResult(process.Stdout.Contains("RELOAD requested by SIGHUP"))),
            process.Stdout);
        Assert.True(await EventuallyAsync(() => Task.FromResult(process.Stdout.Contains("LIST LOADED deny list"))));
        Assert.StartsWith("220 ", await BannerAsync("127.0.0.43", port));
    }

    internal static async Task<SmtpWire> GreetedAsync(string address, int port)
    {
        var wire = await SmtpWire.ConnectFromAsync(address, port);
        var banner = await wire.ReadReplyAsync();
        Assert.StartsWith("220 ", banner);
        return wire;
    }

    private static async Task<string> BannerAsync(string address, int port)
    {
        await using var wire = await SmtpWire.ConnectFromAsync(address, port);
        var banner = await wire.ReadReplyAsync();
        if (banner.StartsWith("220 "))
        {
            await wire.SendAsync("QUIT\r\n");
            await wire.ReadReplyAsync();
        }

        return banner;
    }

    private static async Task QuitAsync(SmtpWire wire)
    {
        await wire.SendAsync("QUIT\r\n");
        Assert.StartsWith("221 ", await wire.ReadReplyAsync());
        await wire.DisposeAsync();
    }

    internal static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
