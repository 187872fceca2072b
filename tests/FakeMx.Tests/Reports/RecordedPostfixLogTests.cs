using System.Text.Json;
using FakeMx.Events;
using FakeMx.Reports;
using FakeMx.Smtp;

namespace FakeMx.Tests.Reports;

/// <summary>
/// The effectiveness report over logs the end-to-end tests recorded from real Postfix and
/// FakeMX processes (tests/fixtures/postfix): the FakeMX session is rebuilt from FakeMX's own
/// JSON log line and the recipient from the sender's deferral line, nothing typed by hand.
/// </summary>
public sealed class RecordedPostfixLogTests
{
    // The recordings were made on 2026-12-03; the syslog stamps carry no year.
    private static readonly DateTimeOffset Recorded = new(2026, 12, 3, 18, 0, 0, TimeSpan.Zero);

    private static string Fixture(string scenario, string file) =>
        Path.Combine(RepoRoot(), "tests", "fixtures", "postfix", scenario, file);

    [Fact]
    public async Task The_legitimate_sender_is_delivered_at_the_primary_a_fraction_of_a_second_later()
    {
        var session = await SessionFromAsync("legitimate-deferred-then-delivered");
        var log = await ReadAsync(Fixture("legitimate-deferred-then-delivered", "primary.maillog"));

        var report = new EffectivenessAnalyzer().Analyze([session], log);

        Assert.Equal(0, report.LogUnparsable);
        var effect = Assert.Single(report.Sessions);
        Assert.Equal(EffectivenessVerdict.Delivered, effect.Verdict);
        Assert.Equal("4A6A7B20DCB", effect.PrimaryQueueId);
        Assert.True(effect.SameNetwork);
        Assert.InRange(effect.DelaySeconds!.Value, 0, 1);
        Assert.Equal(1.0, report.Overall.DeliveredShare);
    }

    [Fact]
    public async Task The_single_shot_bot_is_not_seen_at_the_primary_while_its_window_is_open()
    {
        var session = await SessionFromAsync("single-shot-sender");
        var log = await ReadAsync(Fixture("single-shot-sender", "primary.maillog"));

        var report = new EffectivenessAnalyzer().Analyze([session], log);

        // The recording ends right after the bot left, so within a 24 h window the honest
        // answer is "not seen yet"; nothing in the log is a delivery or a refusal.
        var effect = Assert.Single(report.Sessions);
        Assert.Equal(EffectivenessVerdict.Pending, effect.Verdict);
        Assert.Empty(log.Messages);
        Assert.Empty(log.Rejections);
        Assert.Equal(0, report.LogUnparsable);
    }

    private static async Task<PostfixLog> ReadAsync(string path)
    {
        var log = new PostfixLog(Recorded, TimeZoneInfo.Utc);
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            log.Add(line);
        }

        return log;
    }

    /// <summary>The session as FakeMX logged it (SESSION line, id 1100); the recipient from
    /// the sender's log (legitimate scenario) or swaks' transcript (bot scenario).</summary>
    private static async Task<SessionEvent> SessionFromAsync(string scenario)
    {
        var line = (await File.ReadAllLinesAsync(Fixture(scenario, "fakemx.jsonl")))
            .Single(l => l.Contains("\"EventId\":1100", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        var state = json.RootElement.GetProperty("State");
        var end = json.RootElement.GetProperty("Timestamp").GetDateTimeOffset();
        var start = end - TimeSpan.FromMilliseconds(state.GetProperty("DurationMs").GetInt32());
        var recipientSource = scenario == "single-shot-sender" ? "swaks.txt" : "sender.maillog";
        var recipient = (await File.ReadAllLinesAsync(Fixture(scenario, recipientSource)))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, "(?:to=|RCPT TO:)<([^>]+)>"))
            .First(m => m.Success).Groups[1].Value;

        return new SessionEvent
        {
            StartTime = start,
            EndTime = end,
            Node = "recorded",
            PeerIp = state.GetProperty("ClientIp").GetString()!,
            PeerPort = state.GetProperty("ClientPort").GetInt32(),
            LocalEndpoint = "10.231.7.50:25",
            Helo = state.GetProperty("Helo").GetString(),
            MailFrom = state.GetProperty("Sender").GetString()!.Trim('<', '>'),
            Recipients = [recipient],
            RecipientCount = 1,
            Stage = SessionStage.Data,
            ReplyCode = state.GetProperty("ReplyCode").GetInt32(),
            End = SessionEnd.Quit,
            Deferred = true,
        };
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FakeMx.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("FakeMx.slnx not found above the tests");
    }
}
