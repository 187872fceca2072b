using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class EffectivenessAnalyzerTests
{
    // Sessions.Now is 2025-03-10 12:00 UTC; the log runs from 10:00 to 11:59:59.
    private static PostfixLog Log(params string[] lines)
    {
        var log = new PostfixLog(Sessions.Now, TimeZoneInfo.Utc);
        log.Add("Mar 10 10:00:00 mx1 postfix/master[1]: daemon started -- version 3.7.11");
        foreach (var line in lines)
        {
            log.Add(line);
        }

        log.Add("Mar 10 11:59:59 mx1 postfix/anvil[2]: statistics: max connection rate 1/60s");
        return log;
    }

    private static string[] Accepted(string id, string time, string client, string from, string to) =>
    [
        $"Mar 10 {time} mx1 postfix/smtpd[3]: {id}: client=mta[{client}]",
        $"Mar 10 {time} mx1 postfix/qmgr[4]: {id}: from=<{from}>, size=100, nrcpt=1 (queue active)",
        $"Mar 10 {time} mx1 postfix/lmtp[5]: {id}: to=<{to}>, relay=store, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, " +
            "status=sent (250 ok)",
    ];

    [Fact]
    public void Network_matching_refuses_a_delivery_from_another_network_unless_turned_off()
    {
        // FakeMX saw 192.0.2.10 at 10:30; the primary accepted the same envelope from
        // 198.51.100.20 ten minutes later.
        var session = Sessions.Make("192.0.2.10", TimeSpan.FromMinutes(90), from: "a@legit.example",
            to: ["b@example.org"]);
        var log = Log(Accepted("0A0B0C0D01", "10:40:00", "198.51.100.20", "a@legit.example", "b@example.org"));

        var strict = new EffectivenessAnalyzer { Window = TimeSpan.FromHours(1) }.Analyze([session], log);
        var loose = new EffectivenessAnalyzer { Window = TimeSpan.FromHours(1), MatchNetwork = false }
            .Analyze([session], log);

        Assert.Equal(EffectivenessVerdict.NeverSeen, strict.Sessions[0].Verdict);
        Assert.Equal(EffectivenessVerdict.Delivered, loose.Sessions[0].Verdict);
        Assert.Equal(600, loose.Sessions[0].DelaySeconds);
        Assert.False(loose.Sessions[0].SameNetwork);
    }

    [Fact]
    public void Refused_pending_and_out_of_window_sessions_are_told_apart()
    {
        var refused = Sessions.Make("192.0.2.1", TimeSpan.FromMinutes(100), from: "x@spam.example",
            to: ["b@example.org"]);
        var pending = Sessions.Make("192.0.2.2", TimeSpan.FromMinutes(30), from: "y@spam.example",
            to: ["b@example.org"]);
        var late = Sessions.Make("192.0.2.3", TimeSpan.FromMinutes(110), from: "z@legit.example",
            to: ["c@example.org"]);
        var beforeLog = Sessions.Make("192.0.2.4", TimeSpan.FromHours(3));
        string[] lines =
        [
            "Mar 10 10:30:00 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from bot[192.0.2.1]: 554 5.7.1 no; " +
                "from=<x@spam.example> to=<b@example.org> proto=ESMTP helo=<bot>",
            .. Accepted("0A0B0C0D02", "11:00:00", "192.0.2.3", "z@legit.example", "c@example.org"),
        ];
        var log = Log(lines);

        var report = new EffectivenessAnalyzer { Window = TimeSpan.FromMinutes(45) }
            .Analyze([refused, pending, late, beforeLog], log);

        Assert.Equal(3, report.Overall.Sessions);
        Assert.Equal(EffectivenessVerdict.Rejected, report.Sessions.Single(s => s.ClientIp == "192.0.2.1").Verdict);
        Assert.Equal(EffectivenessVerdict.Pending, report.Sessions.Single(s => s.ClientIp == "192.0.2.2").Verdict);
        Assert.Equal(EffectivenessVerdict.NeverSeen, report.Sessions.Single(s => s.ClientIp == "192.0.2.3").Verdict);
        Assert.Equal(2, report.Overall.Judged);
        Assert.Equal(0.5, report.Overall.RejectedShare);
    }

    [Fact]
    public void Delay_percentiles_use_the_nearest_rank()
    {
        var delays = Enumerable.Range(1, 10).Select(i => (double)i).Reverse().ToList();

        var distribution = EffectivenessAnalyzer.Distribution(delays)!;

        Assert.Equal((5, 9, 10), (distribution.MedianSeconds, distribution.P90Seconds, distribution.MaxSeconds));
        Assert.Null(EffectivenessAnalyzer.Distribution([]));
    }
}
