using System.Diagnostics;
using System.Text;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Server;

/// <summary>The real server over loopback, driven byte by byte.</summary>
public sealed class WireBehaviourTests
{
    [Fact]
    public async Task Pipelined_commands_in_one_packet_are_answered_in_order()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();

        await wire.SendAsync("EHLO pipe.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n" +
            "RCPT TO:<bad>\r\nDATA\r\nNOOP\r\nQUIT\r\n");

        Assert.StartsWith("250-mx.fakemx.test", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.0 Ok", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await wire.ReadReplyAsync());
        Assert.StartsWith("501 5.5.4", await wire.ReadReplyAsync());
        Assert.StartsWith("451 4.7.1", await wire.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await wire.ReadReplyAsync());
        Assert.StartsWith("221 2.0.0", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Commands_ending_in_bare_LF_are_accepted()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();

        await wire.SendAsync("HELO lf.example\nMAIL FROM:<a@b.example>\nRCPT TO:<c@d.example>\nDATA\n");

        Assert.Equal("250 mx.fakemx.test", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.0 Ok", await wire.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await wire.ReadReplyAsync());
        Assert.StartsWith("451 4.7.1", await wire.ReadReplyAsync());
    }

    [Fact]
    public async Task A_100_KB_line_gets_500_5_5_6_and_the_session_goes_on()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();

        await wire.SendAsync("NOOP " + new string('x', 100 * 1024) + "\r\nEHLO after.example\r\n");

        Assert.Equal("500 5.5.6 Error: line too long", await wire.ReadReplyAsync());
        Assert.StartsWith("250-mx.fakemx.test", await wire.ReadReplyAsync());
        Assert.Single(server.Logs.WithId(LogEvents.LineTooLong));
    }

    [Fact]
    public async Task Ten_megabytes_of_random_bytes_end_in_a_421_without_harm()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        var garbage = new byte[10 * 1024 * 1024];
        new Random(7).NextBytes(garbage);

        // The server may close mid-send once the error limit is hit; that is the point.
        var sending = Task.Run(async () =>
        {
            try
            {
                await wire.SendAsync(garbage);
            }
            catch (IOException)
            {
            }
        });

        var replies = new List<string>();
        while (true)
        {
            string reply;
            try
            {
                reply = await wire.ReadReplyAsync(TimeSpan.FromSeconds(30));
            }
            catch (EndOfStreamException)
            {
                break;
            }

            replies.Add(reply);
            if (reply.StartsWith("421", StringComparison.Ordinal))
            {
                break;
            }
        }

        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("421 4.7.0 mx.fakemx.test Error: too many errors", replies[^1]);
        Assert.All(replies[..^1], r => Assert.Matches("^5[0-9][0-9] ", r));
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.ErrorLimit, recorded.End);

        // The server is still fine for the next client.
        await using var next = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await next.ReadReplyAsync());
    }

    [Fact]
    public async Task A_silent_client_gets_the_idle_timeout_421_and_is_closed()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:IdleTimeout", "1s"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO slow.example\r\n");
        await wire.ReadReplyAsync();
        var waited = Stopwatch.StartNew();

        var reply = await wire.ReadReplyAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("421 4.4.2 mx.fakemx.test Error: timeout exceeded", reply);
        Assert.InRange(waited.Elapsed.TotalSeconds, 0.8, 5);
        Assert.True(await wire.IsClosedByServerAsync());
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.IdleTimeout, recorded.End);
        Assert.Single(server.Logs.WithId(LogEvents.IdleTimeout));
    }

    [Fact]
    public async Task A_busy_client_still_meets_the_session_time_limit()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:SessionTimeout", "1500ms"),
            ("Smtp:MaxCommands", "100000"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        var waited = Stopwatch.StartNew();

        string reply;
        do
        {
            await wire.SendAsync("NOOP\r\n");
            reply = await wire.ReadReplyAsync();
            await Task.Delay(50);
        }
        while (reply.StartsWith("250", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal("421 4.4.2 mx.fakemx.test Error: session time limit exceeded", reply);
        Assert.InRange(waited.Elapsed.TotalSeconds, 1.3, 5);
        Assert.Equal(SessionEnd.SessionTimeout, Assert.Single(await server.Events.WaitForAsync(1)).End);
        Assert.Single(server.Logs.WithId(LogEvents.SessionTimeout));
    }

    [Fact]
    public async Task The_client_over_its_per_IP_cap_gets_a_421_4_7_0_greeting()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:MaxConnectionsPerIp", "2"));
        await using var first = await SmtpWire.ConnectAsync(server.Port);
        await using var second = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());
        Assert.StartsWith("220 ", await second.ReadReplyAsync());

        await using var third = await SmtpWire.ConnectAsync(server.Port);

        Assert.Equal("421 4.7.0 mx.fakemx.test Error: too many connections from your address",
            await third.ReadReplyAsync());
        Assert.True(await third.IsClosedByServerAsync());
        Assert.Equal(SessionEnd.ClientLimit, Assert.Single(await server.Events.WaitForAsync(1)).End);
        Assert.Single(server.Logs.WithId(LogEvents.ClientLimit));

        // A slot freed is a slot available again.
        await first.SendAsync("QUIT\r\n");
        await first.ReadReplyAsync();
        Assert.True(await first.IsClosedByServerAsync());
        await server.Events.WaitForAsync(2);
        await using var fourth = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await fourth.ReadReplyAsync());
    }

    [Fact]
    public async Task The_connection_over_the_global_cap_gets_a_421_4_7_0_greeting()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:MaxConnections", "1"));
        await using var first = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());

        await using var second = await SmtpWire.ConnectAsync(server.Port);

        Assert.Equal("421 4.7.0 mx.fakemx.test Error: too many connections", await second.ReadReplyAsync());
        Assert.True(await second.IsClosedByServerAsync());
        Assert.Single(server.Logs.WithId(LogEvents.ConnectionLimit));
    }

    [Fact]
    public async Task Too_many_errors_on_the_wire_end_with_421_and_a_warning()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:MaxErrors", "3"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();

        await wire.SendAsync("X\r\nY\r\nZ\r\nW\r\nNOOP\r\n");

        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("500 5.5.2", await wire.ReadReplyAsync());
        }

        Assert.Equal("421 4.7.0 mx.fakemx.test Error: too many errors", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
        Assert.Single(server.Logs.WithId(LogEvents.ErrorLimit));
    }

    [Fact]
    public async Task Nolisting_mode_greets_with_421_and_closes()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:DeferAt", "connect"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);

        Assert.StartsWith("421 4.7.0 mx.fakemx.test ", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.Deferred, recorded.End);
        Assert.Equal(421, recorded.ReplyCode);
    }

    [Fact]
    public async Task Shutdown_sends_421_4_3_2_to_an_open_session_and_finishes_within_five_seconds()
    {
        var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO waiting.example\r\n");
        await wire.ReadReplyAsync();
        var stopping = Stopwatch.StartNew();

        var stop = server.StopAsync();
        var reply = await wire.ReadReplyAsync();
        await stop;

        Assert.Equal("421 4.3.2 mx.fakemx.test Service shutting down, try again later", reply);
        Assert.True(await wire.IsClosedByServerAsync());
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        Assert.Equal(SessionEnd.Shutdown, Assert.Single(server.Events.All).End);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Every_session_is_logged_once_at_information_and_each_command_at_debug()
    {
        await using var server = await RunningServer.StartAsync();
        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync("EHLO <b>\u0007bell\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n");
            for (var i = 0; i < 3; i++)
            {
                await wire.ReadReplyAsync();
            }
        }

        await server.Events.WaitForAsync(1);
        var summary = Assert.Single(server.Logs.WithId(LogEvents.SessionSummary));
        Assert.Contains("helo=<b>\\x07bell from=<a@b.example> rcpts=0 stage=mail reply=250", summary.Message);
        Assert.Contains("end=quit", summary.Message);
        Assert.Equal(3, server.Logs.WithId(LogEvents.Command).Count());
        Assert.DoesNotContain(server.Logs.Lines, l => l.Message.Contains('\u0007'));
    }

    [Fact]
    public async Task The_recorded_event_holds_the_envelope_and_the_traffic()
    {
        await using var server = await RunningServer.StartAsync();
        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            var commands = "EHLO bot.example\r\nMAIL FROM:<x@spam.example>\r\n" +
                "RCPT TO:<u@Victim.Example>\r\nDATA\r\nQUIT\r\n";
            await wire.SendAsync(commands);
            for (var i = 0; i < 5; i++)
            {
                await wire.ReadReplyAsync();
            }
        }

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal("127.0.0.1", recorded.PeerIp);
        Assert.Equal("test-node", recorded.Node);
        Assert.Equal("bot.example", recorded.Helo);
        Assert.Equal(["victim.example"], recorded.RecipientDomains);
        Assert.Equal(SessionStage.Data, recorded.Stage);
        Assert.Equal(5, recorded.Commands);
        Assert.Equal(86, recorded.BytesIn);
        Assert.True(recorded.BytesOut > 100);
        Assert.True(recorded.Deferred);
        Assert.Equal(FakeMx.Events.SessionOutcome.Deferred, recorded.Outcome);
        Assert.Contains(server.Port.ToString(), recorded.LocalEndpoint);
    }

    [Fact]
    public async Task On_a_dual_stack_listener_an_IPv4_client_is_recorded_as_IPv4()
    {
        await using var server = await RunningServer.StartAsync(("Smtp:Listen:0", "*:0"));
        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync("QUIT\r\n");
            await wire.ReadReplyAsync();
        }

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal("127.0.0.1", recorded.PeerIp);
        Assert.Equal($"127.0.0.1:{server.Port}", recorded.LocalEndpoint);
    }

    [Fact]
    public async Task A_client_that_vanishes_is_recorded_as_closed_by_the_client()
    {
        await using var server = await RunningServer.StartAsync();
        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync(Encoding.ASCII.GetBytes("HELO gone.example\r\n"));
            await wire.ReadReplyAsync();
        }

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.ClientClosed, recorded.End);
        Assert.Equal(FakeMx.Events.SessionOutcome.Abandoned, recorded.Outcome);
    }
}
