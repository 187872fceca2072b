using System.Diagnostics;
using System.Text;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Abuse;

/// <summary>The tarpit's timing, measured over loopback with generous tolerances for a busy machine.</summary>
public sealed class TarpitTests
{
    private static readonly int BannerLength = $"220 {RunningServer.Hostname} ESMTP\r\n".Length;

    [Fact]
    public async Task Stutter_trickles_the_banner_a_chunk_per_interval()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:Tarpit", "stutter"),
            ("Abuse:TarpitStages", "greeting"), ("Abuse:TarpitInterval", "100ms"), ("Abuse:TarpitBytes", "8"));

        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        var (elapsed, reads) = await ReadBannerTimedAsync(wire);

        // 26 bytes in chunks of 8 is 4 chunks with 3 pauses of 100 ms between them.
        var chunks = (BannerLength + 7) / 8;
        Assert.InRange(elapsed.TotalMilliseconds, (chunks - 1) * 100 * 0.9, (chunks - 1) * 100 + 1500);
        Assert.True(reads >= 2, $"the banner came in {reads} read(s), not trickled");

        // Not tarpitted at other stages: EHLO is answered at once.
        var ehlo = Stopwatch.StartNew();
        await wire.SendAsync("EHLO client.test\r\n");
        await wire.ReadReplyAsync();
        Assert.True(ehlo.ElapsedMilliseconds < 1000);
    }

    [Fact]
    public async Task Delay_holds_the_data_reply_whole_for_the_configured_time()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:Tarpit", "delay"),
            ("Abuse:TarpitStages", "data"), ("Abuse:TarpitDelay", "1s"));

        await using var wire = await SmtpWire.ConnectAsync(server.Port);
        var envelope = Stopwatch.StartNew();
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO client.test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\n");
        for (var i = 0; i < 3; i++)
        {
            await wire.ReadReplyAsync();
        }

        var envelopeTime = envelope.Elapsed;
        var data = Stopwatch.StartNew();
        await wire.SendAsync("DATA\r\n");
        Assert.StartsWith("451 ", await wire.ReadReplyAsync());

        Assert.InRange(data.Elapsed.TotalMilliseconds, 950, 3000);

        // Delayed too, the banner, EHLO, MAIL and RCPT would have taken 4 s.
        Assert.True(envelopeTime < TimeSpan.FromSeconds(1), $"the envelope took {envelopeTime}");
    }

    [Fact]
    public async Task Past_the_session_cap_replies_go_at_full_speed()
    {
        await using var server = await RunningServer.StartAsync(("Abuse:Tarpit", "stutter"),
            ("Abuse:TarpitInterval", "300ms"), ("Abuse:TarpitBytes", "1"), ("Abuse:TarpitMaxSessions", "1"));

        // The first session takes the only place: its banner would take several seconds.
        await using var slow = await SmtpWire.ConnectAsync(server.Port);
        var first = new byte[1];
        Assert.Equal(1, await slow.Stream.ReadAsync(first));

        await using var fast = await SmtpWire.ConnectAsync(server.Port);
        var (elapsed, _) = await ReadBannerTimedAsync(fast);
        // Tarpitted, it would take 26 bytes x 300 ms, nearly 8 s.
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"the banner past the cap took {elapsed}");
        Assert.Equal(1, server.Metrics.Sum("fakemx.smtp.tarpit.sessions"));
    }

    private static async Task<(TimeSpan Elapsed, int Reads)> ReadBannerTimedAsync(SmtpWire wire)
    {
        var clock = Stopwatch.StartNew();
        var received = new StringBuilder();
        var buffer = new byte[256];
        var reads = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!received.ToString().EndsWith("\r\n"))
        {
            var read = await wire.Stream.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, read);
            reads++;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.StartsWith("220 ", received.ToString());
        return (clock.Elapsed, reads);
    }
}
