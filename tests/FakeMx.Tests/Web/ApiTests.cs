using System.Net;
using System.Text.Json;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Web;

/// <summary>
/// The JSON API of a real server with a real SQLite store, after real SMTP sessions: shapes,
/// filters, the same figures as <c>fakemx stats --json</c>, and a 400 naming the parameter for
/// every bad one.
/// </summary>
public sealed class ApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-api-").FullName;
    private RunningServer _server = null!;
    private WebEndpointClient _web = null!;

    private string DbPath => Path.Combine(_directory, "events.db");

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartWithStoreAsync(DbPath);
        _web = new WebEndpointClient(_server.HttpPort);

        await SmtpSessions.DeliverAsync(_server.Port, "bot1.example", "a@spam.example", "x@victim.example");
        await SmtpSessions.DeliverAsync(_server.Port, "bot1.example", "b@spam.example", "y@victim.example");
        await SmtpSessions.DeliverAsync(_server.Port, "bot2.example", "c@other.example", "z@elsewhere.example");
        await SmtpSessions.QuitAtOnceAsync(_server.Port);
        await WaitForStoredAsync(4);
    }

    public async Task DisposeAsync()
    {
        _web.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Stats_count_the_sessions_outcomes_and_top_lists()
    {
        var (status, stats) = await _web.GetJsonAsync("/api/stats?since=1h");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, stats.GetProperty("sessions").GetInt64());
        Assert.Equal(1, stats.GetProperty("uniqueIps").GetInt64());
        Assert.Equal(3, stats.GetProperty("outcomes").GetProperty("deferred").GetInt64());
        Assert.Equal(1, stats.GetProperty("outcomes").GetProperty("abandoned").GetInt64());
        var helos = Top(stats, "topHelos");
        Assert.Equal(2, helos["bot1.example"]);
        Assert.Equal(1, helos["bot2.example"]);
        Assert.Equal(2, Top(stats, "topRecipientDomains")["victim.example"]);
        Assert.Equal(2, Top(stats, "topSenderDomains")["spam.example"]);
        Assert.Equal(4, Top(stats, "topIps")["127.0.0.1"]);
    }

    [Fact]
    public async Task The_export_answers_with_the_format_and_its_content_type()
    {
        var plain = await _web.Http.GetAsync("/api/export?format=plain&since=1h");
        var postfix = await _web.Http.GetAsync("/api/export?format=postfix&since=1h&min_sessions=5");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("text/plain", plain.Content.Headers.ContentType?.MediaType);
        Assert.Equal("127.0.0.1\n", await plain.Content.ReadAsStringAsync());
        Assert.DoesNotContain("127.0.0.1", await postfix.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_http_export_never_lists_an_address_on_the_servers_allow_list()
    {
        var allowList = Path.Combine(_directory, "allow.txt");
        await File.WriteAllTextAsync(allowList, "# our own monitoring\n127.0.0.0/8\n");
        await using var server = await RunningServer.StartWithStoreAsync(Path.Combine(_directory, "allow.db"),
            ("Abuse:AllowList", allowList));
        using var web = new WebEndpointClient(server.HttpPort);
        await SmtpSessions.DeliverAsync(server.Port, "monitor.example", "probe@example.org", "x@victim.example");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await web.GetJsonAsync("/api/events")).Body.GetArrayLength() < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the session was never stored");
            await Task.Delay(25);
        }

        var export = await web.Http.GetAsync("/api/export?format=plain&since=1h");
        var unfiltered = await _web.Http.GetAsync("/api/export?format=plain&since=1h");

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(string.Empty, await export.Content.ReadAsStringAsync());
        Assert.Contains("127.0.0.1", await unfiltered.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/export?format=zip", "format")]
    [InlineData("/api/export?format=plain&min_sessions=many", "min_sessions")]
    [InlineData("/api/export?format=plain&pregreet_only=maybe", "pregreet_only")]
    [InlineData("/api/report/domains?since=soon", "since")]
    public async Task A_bad_export_or_report_parameter_gets_400_with_a_json_error(string path, string parameter)
    {
        var (status, body) = await _web.GetJsonAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(parameter, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_domain_report_lists_each_recipient_domain()
    {
        var (status, report) = await _web.GetJsonAsync("/api/report/domains?since=1d");

        Assert.Equal(HttpStatusCode.OK, status);
        var domains = report.GetProperty("domains").EnumerateArray()
            .ToDictionary(d => d.GetProperty("domain").GetString()!, d => d.GetProperty("sessions").GetInt64());
        Assert.Equal(2, domains["victim.example"]);
        Assert.Equal(1, domains["elsewhere.example"]);
    }

    [Fact]
    public async Task Stats_for_a_domain_count_only_its_sessions()
    {
        var (_, stats) = await _web.GetJsonAsync("/api/stats?since=1h&domain=VICTIM.example");

        Assert.Equal(2, stats.GetProperty("sessions").GetInt64());
        Assert.Equal("victim.example", stats.GetProperty("domain").GetString());
        Assert.Equal(["bot1.example"], Top(stats, "topHelos").Keys);
    }

    [Fact]
    public async Task Stats_are_the_same_figures_and_json_as_the_stats_command()
    {
        var (_, api) = await _web.GetJsonAsync("/api/stats?since=1h&domain=victim.example");
        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync(
            "stats", "--since", "1h", "--domain", "victim.example", "--json", "--store", DbPath);

        Assert.True(exitCode == 0, stderr);
        using var cli = JsonDocument.Parse(stdout);
        Assert.Equal(WithoutWindow(cli.RootElement), WithoutWindow(api));
    }

    [Fact]
    public async Task Events_come_newest_first_with_the_envelope_and_labels()
    {
        var (status, events) = await _web.GetJsonAsync("/api/events");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, events.GetArrayLength());
        var newest = events[0];
        Assert.Equal("abandoned", newest.GetProperty("outcome").GetString());
        var deferred = events[1];
        Assert.Equal("bot2.example", deferred.GetProperty("helo").GetString());
        Assert.Equal("c@other.example", deferred.GetProperty("mailFrom").GetString());
        Assert.Equal("z@elsewhere.example", deferred.GetProperty("recipients")[0].GetString());
        Assert.Equal("data", deferred.GetProperty("stage").GetString());
        Assert.Equal(451, deferred.GetProperty("replyCode").GetInt32());
        Assert.Equal("deferred", deferred.GetProperty("outcome").GetString());
        Assert.Equal("127.0.0.1", deferred.GetProperty("clientIp").GetString());
        Assert.True(deferred.GetProperty("id").GetInt64() > 0);
        Assert.True(deferred.GetProperty("durationMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task Events_filter_by_domain_address_limit_and_id()
    {
        var (_, byDomain) = await _web.GetJsonAsync("/api/events?domain=elsewhere.example");
        var (_, byOtherIp) = await _web.GetJsonAsync("/api/events?ip=192.0.2.1");
        var (_, byIp) = await _web.GetJsonAsync("/api/events?ip=127.0.0.1&since=1h&limit=2");
        var (_, all) = await _web.GetJsonAsync("/api/events");
        var oldest = all[3].GetProperty("id").GetInt64();
        var (_, after) = await _web.GetJsonAsync($"/api/events?afterId={oldest}");

        Assert.Equal("bot2.example", Assert.Single(byDomain.EnumerateArray()).GetProperty("helo").GetString());
        Assert.Equal(0, byOtherIp.GetArrayLength());
        Assert.Equal(2, byIp.GetArrayLength());
        Assert.Equal(3, after.GetArrayLength());
        Assert.True(after[0].GetProperty("id").GetInt64() < after[2].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_time_series_has_every_step_and_counts_sessions_by_outcome()
    {
        // Ten seconds short of an hour: 12 five-minute steps, the last one still open.
        var since = DateTimeOffset.UtcNow.AddSeconds(-3590);
        var sinceText = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var (status, series) = await _web.GetJsonAsync($"/api/timeseries?since={sinceText}&step=5m");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(300, series.GetProperty("step").GetInt64());
        var points = series.GetProperty("points");
        Assert.Equal(12, points.GetArrayLength());
        Assert.Equal(sinceText, points[0].GetProperty("start").GetString());
        Assert.Equal(since.AddMinutes(55).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            points[11].GetProperty("start").GetString());
        long Total(string outcome) =>
            points.EnumerateArray().Sum(p => p.GetProperty("outcomes").GetProperty(outcome).GetInt64());
        Assert.Equal(3, Total("deferred"));
        Assert.Equal(1, Total("abandoned"));
        Assert.Equal(0, Total("refused"));
    }

    [Theory]
    [InlineData("/api/stats?since=yesterday", "since")]
    [InlineData("/api/stats?since=1h&until=2h", "until")]
    [InlineData("/api/stats?domain=%3Cscript%3E", "domain")]
    [InlineData("/api/stats?top=0", "top")]
    [InlineData("/api/stats?sine=1h", "sine")]
    [InlineData("/api/events?limit=0", "limit")]
    [InlineData("/api/events?limit=ten", "limit")]
    [InlineData("/api/events?limit=5&limit=6", "limit")]
    [InlineData("/api/events?ip=999.1.1.1", "ip")]
    [InlineData("/api/events?afterId=-1", "afterId")]
    [InlineData("/api/events?since=", "since")]
    [InlineData("/api/timeseries?step=0s", "step")]
    [InlineData("/api/timeseries?since=30d&step=1s", "step")]
    [InlineData("/api/timeseries?since=2999-01-01T00:00:00Z", "since")]
    public async Task A_bad_parameter_gets_400_with_an_error_naming_it(string path, string parameter)
    {
        var (status, body) = await _web.GetJsonAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(parameter + ":", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Health_and_readiness_report_ok_once_the_store_is_open()
    {
        var (ready, readiness) = await _web.GetJsonAsync("/readyz");
        var (health, body) = await _web.GetJsonAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("checks").GetProperty("store").GetProperty("ok").GetBoolean());
        Assert.True(body.GetProperty("checks").GetProperty("smtp").GetProperty("ok").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("ready", readiness.GetProperty("status").GetString());
    }

    private static Dictionary<string, long> Top(JsonElement stats, string list) =>
        stats.GetProperty(list).EnumerateArray()
            .ToDictionary(e => e.GetProperty("value").GetString()!, e => e.GetProperty("sessions").GetInt64());

    /// <summary>The report without its window, which differs by the milliseconds between calls.</summary>
    private static string WithoutWindow(JsonElement report)
    {
        var fields = report.EnumerateObject().Where(p => p.Name is not ("since" or "until"))
            .ToDictionary(p => p.Name, p => p.Value);
        return JsonSerializer.Serialize(fields);
    }

    private async Task WaitForStoredAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var (status, events) = await _web.GetJsonAsync("/api/events");
            if (status == HttpStatusCode.OK && events.GetArrayLength() >= count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the store never held {count} sessions");
            await Task.Delay(25);
        }
    }
}
