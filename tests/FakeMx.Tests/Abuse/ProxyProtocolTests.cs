using System.Text;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Abuse;

/// <summary>
/// PROXY protocol against the real server. 127.0.0.1 plays the trusted proxy; 127.0.0.2 is a
/// client that is not trusted.
/// </summary>
public sealed class ProxyProtocolTests
{
    private static Task<RunningServer> StartAsync(params (string, string)[] more) => RunningServer.StartAsync(
    [
        ("Abuse:ProxyProtocolFrom:0", "127.0.0.1/32"),
        ("Abuse:ProxyHeaderTimeout", "500ms"),
        .. more,
    ]);

    [Fact]
    public async Task A_v1_header_from_a_trusted_proxy_puts_the_original_client_in_the_event()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        await wire.SendAsync("PROXY TCP4 203.0.113.7 127.0.0.1 51234 25\r\n");
        await SessionAsync(wire);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal("127.0.0.1", recorded.PeerIp);
        Assert.Equal("203.0.113.7", recorded.ProxyClientIp);
        Assert.Equal(51234, recorded.ProxyClientPort);
        Assert.Equal("203.0.113.7", recorded.ClientIp);
        Assert.Equal(451, recorded.ReplyCode);
        Assert.Contains(server.Logs.WithId(LogEvents.SessionSummary), l => l.Message.Contains("[203.0.113.7]:51234"));
    }

    [Fact]
    public async Task A_v2_header_from_a_trusted_proxy_puts_the_original_client_in_the_event()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        byte[] tlv = [0x05, 0x00, 0x02, 0x01, 0x02];
        await wire.SendAsync(ProxyHeaderParserTests.V2(1, 0x11,
            ProxyHeaderParserTests.Ipv4Addresses("198.51.100.9", "127.0.0.1", 40001, 25), tlv));
        await SessionAsync(wire);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal("127.0.0.1", recorded.PeerIp);
        Assert.Equal("198.51.100.9", recorded.ProxyClientIp);
        Assert.Equal(40001, recorded.ProxyClientPort);
    }

    [Fact]
    public async Task Lists_and_caps_apply_to_the_original_client_not_the_proxy()
    {
        using var folder = new TempFolder();
        var deny = folder.Write("deny.txt", "203.0.113.66");
        await using var server = await StartAsync(("Abuse:DenyList", deny));

        await using var denied = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        await denied.SendAsync("PROXY TCP4 203.0.113.66 127.0.0.1 1000 25\r\n");
        Assert.StartsWith("554 5.7.1 ", await denied.ReadReplyAsync());

        await using var fine = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        await fine.SendAsync("PROXY TCP4 203.0.113.67 127.0.0.1 1000 25\r\n");
        Assert.StartsWith("220 ", await fine.ReadReplyAsync());
    }

    [Fact]
    public async Task A_v2_local_header_keeps_the_proxy_as_the_client()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        await wire.SendAsync(ProxyHeaderParserTests.V2(0, 0x00, []));
        await SessionAsync(wire);

        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Null(recorded.ProxyClientIp);
        Assert.Equal("127.0.0.1", recorded.ClientIp);
    }

    [Fact]
    public async Task A_proxy_header_from_an_untrusted_source_closes_the_connection()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.2", server.Port);
        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        await wire.SendAsync("PROXY TCP4 203.0.113.7 127.0.0.1 51234 25\r\n");

        Assert.StartsWith("421 4.7.0 ", await wire.ReadReplyAsync());
        Assert.True(await wire.IsClosedByServerAsync());
        var recorded = Assert.Single(await server.Events.WaitForAsync(1));
        Assert.Equal(SessionEnd.NonSmtp, recorded.End);
        Assert.Null(recorded.ProxyClientIp);
        Assert.Equal("127.0.0.2", recorded.ClientIp);
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.non_smtp", "protocol", "proxy"));
    }

    [Theory]
    [InlineData("EHLO client.test\r\n")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 51234\r\n")]
    [InlineData("PROXY UNKNOWN " +
        "a v1 header may be 107 octets with its CRLF; this one goes on well past that bound, with no line end")]
    public async Task A_trusted_proxy_that_sends_no_valid_header_is_closed_without_a_word(string text)
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        await wire.SendAsync(text);

        Assert.True(await wire.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(SessionEnd.ProxyRejected, Assert.Single(await server.Events.WaitForAsync(1)).End);
        Assert.Single(server.Logs.WithId(LogEvents.ProxyRejected));
    }

    [Fact]
    public async Task A_truncated_header_is_closed_when_the_header_timeout_passes()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        var started = DateTime.UtcNow;
        await wire.SendAsync("PROXY TCP4 203.0.113.7 ");

        Assert.True(await wire.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.InRange((DateTime.UtcNow - started).TotalMilliseconds, 400, 3000);
        Assert.Contains("no complete header within 500ms",
            Assert.Single(server.Logs.WithId(LogEvents.ProxyRejected)).Message);
    }

    [Fact]
    public async Task An_oversized_v2_header_is_closed_before_its_payload_arrives()
    {
        await using var server = await StartAsync();
        await using var wire = await SmtpWire.ConnectFromAsync("127.0.0.1", server.Port);
        var header = ProxyHeaderParserTests.V2(1, 0x11, []);
        header[14] = 0xFF;
        header[15] = 0xFF;
        await wire.SendAsync(header);

        Assert.True(await wire.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("announces 65535 octets", Assert.Single(server.Logs.WithId(LogEvents.ProxyRejected)).Message);
    }

    private static async Task SessionAsync(SmtpWire wire)
    {
        Assert.StartsWith("220 ", await wire.ReadReplyAsync());
        await wire.SendAsync(
            "EHLO client.test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nQUIT\r\n");
        var replies = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            replies.AppendLine(await wire.ReadReplyAsync());
        }

        Assert.Contains("451 4.7.1", replies.ToString());
    }
}
