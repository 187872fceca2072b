using System.Diagnostics;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Abuse;

/// <summary>Early talkers and clients speaking another protocol on the SMTP port.</summary>
public sealed class EarlyTalkerTests
{
    [Fact]
    public async Task A_client_that_talks_before_the_banner_is_flagged_and_counted()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:GreetDelay", "400ms"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.SendAsync("EHLO hasty.example\r\n");

        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        Assert.StartsWith("250-", await wire.ReadReplyAsync());
        await wire.SendAsync("QUIT\r\n");
        await wire.ReadReplyAsync();

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.True(recorded.Pregreet);
        Assert.Equal("hasty.example", recorded.Helo);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.pregreet"));
        Assert.Contains("EHLO hasty.example", Assert.Single(server.Logs.WithId(LogEvents.Pregreet)).Message);
    }

    [Fact]
    public async Task A_patient_client_waits_out_the_greet_delay_and_is_not_flagged()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:GreetDelay", "400ms"));
        var clock = Stopwatch.StartNew();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);

        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        Assert.True(clock.ElapsedMilliseconds >= 380, $"the banner came after {clock.ElapsedMilliseconds} ms");
        await wire.SendAsync("QUIT\r\n");
        await wire.ReadReplyAsync();

        Assert.False(Assert.Single(await server.Events.WaitForAsync(1)).Pregreet);
        Assert.Equal(0, server.Metrics.Sum("fakemx.smtp.pregreet"));
    }

    [Fact]
    public async Task An_http_request_gets_421_and_is_closed()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        await wire.SendAsync("GET / HTTP/1.1\r\nHost: mx.fakemx.test\r\n\r\n");

        Assert.Equal($"421 4.7.0 {RunningServer.Hostname} Error: this is an SMTP server", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.NonSmtp, recorded.End);
        Assert.Equal(0, recorded.Commands);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.non_smtp", "protocol", "http"));
    }

    [Fact]
    public async Task An_http_request_sent_before_the_banner_gets_421_instead_of_it()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:GreetDelay", "300ms"));
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        await wire.SendAsync("POST /wp-login.php HTTP/1.1\r\n\r\n");

        Assert.StartsWith("421 4.7.0 ", await wire.ReadReplyAsync());
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.True(recorded.Pregreet);
        Assert.Equal(SessionEnd.NonSmtp, recorded.End);
    }

    [Fact]
    public async Task A_tls_client_hello_on_the_plain_port_gets_421_and_is_closed()
    {
        await using var server = await RunningServer.StartAsync();
        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        Assert.StartsWith("220 ", await wire.ReadReplyAsync());

        // What an implicit-TLS client (port 465 style) sends first.
        using var tls = new System.Net.Security.SslStream(wire.Stream, leaveInnerStreamOpen: true);
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(RunningServer.Hostname));

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.NonSmtp, recorded.End);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.non_smtp", "protocol", "tls"));
    }
}
