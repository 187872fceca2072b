using System.Text.Json;
using FakeMx.Events;
using FakeMx.Reports;
using FakeMx.Tests.Support;
using Xunit.Abstractions;

namespace FakeMx.Tests.Reports;

/// <summary>
/// The effectiveness report checked against a known truth produced by real programs: a real
/// Postfix sender whose primary MX is down falls back to a real FakeMX, is deferred, and
/// delivers to a real Postfix primary once it is up; bots talk only to FakeMX, one of them
/// twice. The primary's own maillog_file is the report's input.
/// </summary>
public sealed class EffectivenessWithRealPostfixTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Delayed_legitimate_mail_deterred_bots_and_retrying_bots_are_told_apart()
    {
        await using var fakemx = await RunningServer.StartAsync();
        var primaryPort = Tool.FreeTcpPort();
        await using var primary = await PrivatePostfix.CreateAsync("primary", primaryPort,
            "relay_domains = example.test, other.test",
            "transport_maps = inline:{example.test=discard:, other.test=discard:}");
        await using var sender = await PrivatePostfix.CreateAsync("sender", null,
            $"relayhost = [127.0.0.1]:{primaryPort}",
            $"smtp_fallback_relay = [127.0.0.1]:{fakemx.Port}",
            "smtp_connection_cache_on_demand = no",
            "minimal_backoff_time = 1h",
            "maximal_backoff_time = 2h",
            "queue_run_delay = 1h",
            "smtp_connect_timeout = 2s");

        // The primary runs (its log begins) but its SMTP listener is down: the sender falls
        // back to FakeMX and is deferred, like an MTA whose best MX failed.
        await primary.StartAsync();
        await sender.StartAsync();
        await sender.SendAsync("alice@legit.test", "bob@example.test", "first");
        await sender.SendAsync("alice@legit.test", "erin@other.test", "second");
        var legit = await fakemx.Events.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.All(legit, e => Assert.True(e.Deferred));

        // Bots go straight to the decoy; one of them comes back; one leaves before MAIL.
        await BotAsync(fakemx.Port, "bot@spam.test", "carol@example.test");
        await BotAsync(fakemx.Port, "bot@spam.test", "carol@example.test");
        await BotAsync(fakemx.Port, "bot2@spam.test", "dave@other.test");
        await BotAsync(fakemx.Port, null, null);
        var all = await fakemx.Events.WaitForAsync(6, TimeSpan.FromSeconds(30));

        // The primary's listener comes back; the sender's retry reaches it.
        await primary.ListenAsync();
        var flushedAt = DateTimeOffset.UtcNow;
        await sender.FlushAsync();
        await primary.WaitForLogAsync("status=sent", 2, TimeSpan.FromSeconds(60));
        var deliveredSeenAt = DateTimeOffset.UtcNow;

        // The log must cover every session's whole window, or the bots would be "pending".
        var windowsEnd = all.Max(e => e.StartTime) + Window + TimeSpan.FromSeconds(1.5);
        while (DateTimeOffset.UtcNow < windowsEnd)
        {
            await Task.Delay(windowsEnd - DateTimeOffset.UtcNow);
        }

        await primary.StopAsync();
        await sender.StopAsync();
        var log = await PostfixLog.ReadFilesAsync([primary.LogFile], TimeZoneInfo.Local, CancellationToken.None);
        var report = new EffectivenessAnalyzer { Window = Window }.Analyze(all, log);

        var text = new StringWriter();
        report.WriteText(text);
        output.WriteLine(text.ToString());
        output.WriteLine(primary.ReadLog());
        output.WriteLine(string.Join("\n", all.Select(e =>
            $"{e.StartTime:O} {e.ClientIp} {e.MailFrom} {string.Join(' ', e.Recipients)}")));
        var overall = report.Overall;
        Assert.Equal(6, overall.Sessions);
        Assert.Equal(1, overall.NoEnvelope);
        Assert.Equal(0, overall.Pending);
        Assert.Equal(5, overall.Judged);
        Assert.Equal(2, overall.Delivered);
        Assert.Equal(2, overall.DeliveredSameNetwork);
        Assert.Equal(3, overall.NeverSeen);
        Assert.Equal(0, overall.Rejected);
        Assert.Equal(1, overall.Returned);
        Assert.Equal(0.4, overall.DeliveredShare, 6);
        Assert.Equal(0.6, overall.NeverSeenShare, 6);
        Assert.Equal(0, report.LogUnparsable);
        Assert.Equal(2, report.PrimaryMessages);

        // The delays are what the clock says they were, within the log's one-second stamps.
        foreach (var session in legit)
        {
            var effect = report.Sessions.Single(s => s.Start == session.StartTime);
            Assert.Equal(EffectivenessVerdict.Delivered, effect.Verdict);
            Assert.InRange(effect.DelaySeconds!.Value, (flushedAt - session.StartTime).TotalSeconds - 1,
                (deliveredSeenAt - session.StartTime).TotalSeconds + 1);
            Assert.Contains($"{effect.PrimaryQueueId}: to=<{session.Recipients[0]}>", primary.ReadLog());
        }

        var delays = report.Sessions.Where(s => s.DelaySeconds is not null).Select(s => s.DelaySeconds!.Value).ToList();
        Assert.Equal(delays.Max(), overall.Delay!.MaxSeconds);
        Assert.Equal(delays.Min(), overall.Delay.MedianSeconds);

        var example = report.Domains.Single(d => d.Domain == "example.test").Figures;
        Assert.Equal((3, 1, 2, 1), (example.Sessions, example.Delivered, example.NeverSeen, example.Returned));
        var other = report.Domains.Single(d => d.Domain == "other.test").Figures;
        Assert.Equal((2, 1, 1, 0), (other.Sessions, other.Delivered, other.NeverSeen, other.Returned));

        // The same figures through the CLI, from a SQLite store the sessions were written to.
        var directory = Tool.TempDirectory("effectiveness-cli");
        try
        {
            var database = Path.Combine(directory, "fakemx.db");
            Assert.True(StoreLocation.TryParse(database, out var location, out _));
            await using (var store = EventStores.Create(location))
            {
                await store.InitializeAsync(CancellationToken.None);
                await store.WriteBatchAsync(all, CancellationToken.None);
            }

            var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("report", "effectiveness",
                "--postfix-log", primary.LogFile, "--window", "15s", "--json", "--store", database);
            Assert.True(exitCode == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            var figures = json.RootElement.GetProperty("overall");
            Assert.Equal(2, figures.GetProperty("delivered").GetInt64());
            Assert.Equal(3, figures.GetProperty("neverSeen").GetInt64());
            Assert.Equal(1, figures.GetProperty("returned").GetInt64());
            Assert.Equal("delivered", json.RootElement.GetProperty("sessions")[0].GetProperty("verdict").GetString());

            var cli = await FakeMxProcess.RunAsync("report", "effectiveness",
                "--postfix-log", primary.LogFile, "--window", "15s", "--store", database);
            Assert.Matches(@"delivered later at the primary \(legitimate, delayed\): +2 \(40\.0%\)", cli.Stdout);
            Assert.Matches(@"never seen at the primary \(deterred\): +3 \(60\.0%\)", cli.Stdout);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task BotAsync(int port, string? from, string? to)
    {
        await using var wire = await SmtpWire.ConnectAsync(port);
        Assert.StartsWith("220", await wire.ReadReplyAsync());
        await wire.SendAsync("EHLO bot.spam.test\r\n");
        Assert.StartsWith("250", await wire.ReadReplyAsync());
        if (from is not null)
        {
            await wire.SendAsync($"MAIL FROM:<{from}>\r\n");
            Assert.StartsWith("250", await wire.ReadReplyAsync());
            await wire.SendAsync($"RCPT TO:<{to}>\r\n");
            Assert.StartsWith("250", await wire.ReadReplyAsync());
            await wire.SendAsync("DATA\r\n");
            Assert.StartsWith("451", await wire.ReadReplyAsync());
        }

        await wire.SendAsync("QUIT\r\n");
        Assert.StartsWith("221", await wire.ReadReplyAsync());
    }
}
