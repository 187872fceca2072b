using FakeMx.Server;
using FakeMx.Tests.Support;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace FakeMx.Tests.Web;

/// <summary>
/// <c>/metrics</c> scraped over HTTP from the real server after real sessions, parsed as
/// Prometheus text: the figures must be exactly the sessions that happened.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-metrics-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task After_a_known_mix_of_sessions_the_metrics_show_exactly_those_counts()
    {
        await using var server = await RunningServer.StartWithStoreAsync(Path.Combine(_directory, "events.db"),
            ("Smtp:MaxErrors", "2"), ("Smtp:MaxConnectionsPerIp", "1"));
        using var web = new WebEndpointClient(server.HttpPort);

        // Three deferred at DATA by a real client, one after the other (the per-IP cap is 1).
        for (var i = 0; i < 3; i++)
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Server.DeferralTests.Message()));
            await client.DisconnectAsync(quit: true);
            await web.MetricsWhenAsync(m => m.Sum("fakemx_smtp_sessions_total") == i + 1);
        }

        // One that hits the error limit.
        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync("BOGUS\r\nBOGUS\r\nBOGUS\r\n");
            var replies = new List<string>();
            while (replies.Count < 4 && !replies.Any(r => r.StartsWith("421 ", StringComparison.Ordinal)))
            {
                replies.Add(await wire.ReadReplyAsync());
            }

            Assert.StartsWith("421 ", replies[^1]);
        }

        await web.MetricsWhenAsync(m => m.Sum("fakemx_smtp_sessions_total") == 4);

        // One refused by the per-IP cap while another from the same address is open; the open one
        // then leaves without saying anything useful (abandoned).
        await using (var open = await SmtpWire.ConnectAsync(server.Port))
        {
            await open.ReadReplyAsync();
            await using (var refused = await SmtpWire.ConnectAsync(server.Port))
            {
                Assert.StartsWith("421 4.7.0", await refused.ReadReplyAsync());
                Assert.True(await refused.IsClosedByServerAsync());
            }

            await open.SendAsync("QUIT\r\n");
            await open.ReadReplyAsync();
        }

        var metrics = await web.MetricsWhenAsync(m =>
            m.Sum("fakemx_smtp_sessions_total") == 6 && m.Sum("fakemx_events_written_total") == 6);

        Assert.Equal(3, metrics.Sum("fakemx_smtp_sessions_total", ("outcome", "deferred")));
        Assert.Equal(3, metrics.Sum("fakemx_smtp_sessions_total", ("stage", "data"), ("end", "quit")));
        Assert.Equal(1, metrics.Sum("fakemx_smtp_sessions_total", ("end", "error-limit"), ("outcome", "limit")));
        Assert.Equal(1, metrics.Sum("fakemx_smtp_sessions_total", ("end", "client-limit"), ("outcome", "refused")));
        Assert.Equal(1, metrics.Sum("fakemx_smtp_sessions_total", ("outcome", "abandoned")));
        Assert.Equal(1, metrics.Sum("fakemx_smtp_connections_refused_total", ("reason", "client-limit")));
        Assert.Equal(1, metrics.Sum("fakemx_smtp_connections_refused_total"));

        Assert.Equal(3, metrics.Sum("fakemx_smtp_commands_total", ("verb", "DATA")));
        Assert.Equal(3, metrics.Sum("fakemx_smtp_commands_total", ("verb", "MAIL")));
        Assert.Equal(3, metrics.Sum("fakemx_smtp_replies_total", ("code", "451")));
        Assert.Equal(2, metrics.Sum("fakemx_smtp_replies_total", ("code", "421")));
        Assert.Equal(5, metrics.Sum("fakemx_smtp_replies_total", ("code", "220")));
        Assert.Equal(0, metrics.Sum("fakemx_smtp_active_connections"));

        Assert.Equal(6, metrics.Sum("fakemx_smtp_session_duration_seconds_count"));
        Assert.Equal(6, metrics.Sum("fakemx_smtp_session_duration_seconds_bucket", ("le", "+Inf")));
        var buckets = metrics.Samples.Where(s => s.Name == "fakemx_smtp_session_duration_seconds_bucket")
            .Select(s => s.Value).ToList();
        Assert.Equal(buckets.OrderBy(v => v), buckets);
        Assert.True(metrics.Sum("fakemx_smtp_session_duration_seconds_sum") > 0);

        Assert.Equal(0, metrics.Sum("fakemx_events_dropped_total"));
        Assert.Equal(0, metrics.Sum("fakemx_events_queue_depth"));
        Assert.True(metrics.Sum("fakemx_store_write_duration_seconds_count") >= 1);
        Assert.Equal(0, metrics.Sum("fakemx_smtp_pregreet_total"));
    }

    [Fact]
    public async Task Every_metric_is_exported_with_help_a_type_and_its_unit_in_the_name()
    {
        await using var server = await RunningServer.StartAsync();
        using var web = new WebEndpointClient(server.HttpPort);

        var metrics = await web.MetricsAsync();

        var expected = new Dictionary<string, string>
        {
            ["fakemx_smtp_sessions_total"] = "counter",
            ["fakemx_smtp_active_connections"] = "gauge",
            ["fakemx_smtp_connections_refused_total"] = "counter",
            ["fakemx_smtp_commands_total"] = "counter",
            ["fakemx_smtp_replies_total"] = "counter",
            ["fakemx_smtp_pregreet_total"] = "counter",
            ["fakemx_smtp_non_smtp_total"] = "counter",
            ["fakemx_smtp_session_duration_seconds"] = "histogram",
            ["fakemx_events_written_total"] = "counter",
            ["fakemx_events_dropped_total"] = "counter",
            ["fakemx_store_write_duration_seconds"] = "histogram",
            ["fakemx_events_queue_depth"] = "gauge",
        };
        foreach (var (name, type) in expected)
        {
            Assert.True(metrics.Types.TryGetValue(name, out var actual), $"{name} is not exported");
            Assert.Equal(type, actual);
            Assert.False(string.IsNullOrWhiteSpace(metrics.Help[name]), $"{name} has no help text");
        }

        Assert.Contains("seconds", metrics.Help["fakemx_smtp_session_duration_seconds"]);
    }

    [Fact]
    public async Task Two_servers_in_one_process_keep_their_own_figures()
    {
        await using var busy = await RunningServer.StartAsync();
        await using var idle = await RunningServer.StartAsync();
        using var busyWeb = new WebEndpointClient(busy.HttpPort);
        using var idleWeb = new WebEndpointClient(idle.HttpPort);

        await using (var wire = await SmtpWire.ConnectAsync(busy.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync("QUIT\r\n");
            await wire.ReadReplyAsync();
        }

        await busyWeb.MetricsWhenAsync(m => m.Sum("fakemx_smtp_sessions_total") == 1);
        Assert.Equal(0, (await idleWeb.MetricsAsync()).Sum("fakemx_smtp_sessions_total"));
    }
}
