using System.Text.Json;
using FakeMx.Events;
using FakeMx.Smtp;
using Microsoft.Data.Sqlite;

namespace FakeMx.Tests.Store;

/// <summary><c>fakemx stats</c> and <c>fakemx events</c>, the real executable, on real stores.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-cli-").FullName;

    private string DbPath => Path.Combine(_directory, "fakemx.db");

    private static string Since => Sessions.Base.AddHours(-1).ToString("O");

    public async Task InitializeAsync()
    {
        await using var store = new SqliteEventStore(new StoreLocation(StoreKind.Sqlite, DbPath));
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteBatchAsync(
        [
            Sessions.Make(ip: "192.0.2.1", minute: 1, helo: "alpha.bot", to: ["u@customer.example"]),
            Sessions.Make(ip: "192.0.2.1", minute: 2, helo: "alpha.bot"),
            Sessions.Make(ip: "2001:db8::9", minute: 3, helo: "beta.bot", deferred: false,
                end: SessionEnd.IdleTimeout, stage: SessionStage.Helo, to: [], from: null, node: "node-b"),
        ], CancellationToken.None);
    }

    [Fact]
    public async Task Stats_prints_aligned_tables_with_every_label_and_the_top_lists()
    {
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory, "stats", "--since", Since);

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        Assert.Matches(@"^sessions\s+3$", lines.Single(l => l.StartsWith("sessions")));
        Assert.Matches(@"^unique client IPs\s+2$", lines.Single(l => l.StartsWith("unique client IPs")));
        Assert.Matches(@"^deferred\s+2$", lines.First(l => l.StartsWith("deferred")));
        Assert.Matches(@"^timeout\s+1$", lines.Single(l => l.StartsWith("timeout")));
        Assert.Matches(@"^limit\s+0$", lines.Single(l => l.StartsWith("limit")));
        Assert.Matches(@"^192\.0\.2\.1\s+2$", lines.Single(l => l.StartsWith("192.0.2.1 ")));
        Assert.Matches(@"^2001:db8::/48\s+1$", lines.Single(l => l.StartsWith("2001:db8::/48")));
        Assert.Matches(@"^alpha\.bot\s+2$", lines.Single(l => l.StartsWith("alpha.bot")));
        Assert.Matches(@"^node-a\s+2\s+1\s+2024-01-02 03:02:00Z$", lines.Single(l => l.StartsWith("node-a")));

        // Numbers line up under their header.
        var header = lines.Single(l => l.StartsWith("Top client IPs"));
        var row = lines.Single(l => l.StartsWith("192.0.2.1 "));
        Assert.Equal(header.Length, row.Length);
    }

    [Fact]
    public async Task Stats_as_JSON_has_stable_camelCase_names_and_honours_the_domain_filter()
    {
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory,
            "stats", "--since", Since, "--domain", "Customer.Example", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("customer.example", root.GetProperty("domain").GetString());
        Assert.Equal(1, root.GetProperty("sessions").GetInt64());
        Assert.Equal(1, root.GetProperty("uniqueIps").GetInt64());
        Assert.Equal(1, root.GetProperty("outcomes").GetProperty("deferred").GetInt64());
        Assert.Equal(0, root.GetProperty("ends").GetProperty("session-timeout").GetInt64());
        var topIp = root.GetProperty("topIps")[0];
        Assert.Equal("192.0.2.1", topIp.GetProperty("value").GetString());
        Assert.Equal(1, topIp.GetProperty("sessions").GetInt64());
        Assert.Equal("customer.example", root.GetProperty("topRecipientDomains")[0].GetProperty("value").GetString());
        Assert.Equal("node-a", root.GetProperty("nodes")[0].GetProperty("node").GetString());
        Assert.Equal(1, JsonSerializer.Deserialize<StatsReport>(stdout, EventJson.Indented)!.Sessions);
    }

    [Fact]
    public async Task Events_lists_sessions_oldest_first_and_filters_by_address()
    {
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory, "events", "--ip", "192.0.2.1");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        Assert.StartsWith("START (UTC)", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains("2024-01-02 03:01:00.123", lines[1]);
        Assert.Contains("2024-01-02 03:02:00.123", lines[2]);
        Assert.All(lines[1..], l =>
            Assert.Matches(@"192\.0\.2\.1:\d+ +alpha\.bot +<spammer@sender\.example> +1 data +451 quit", l));
    }

    [Fact]
    public async Task Events_as_JSON_lines_carry_labels_and_honour_domain_and_limit()
    {
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory, "events", "--json", "--limit", "2");

        Assert.True(code == 0, stderr);
        var events = stdout.Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal("2001:db8::9", events[1].GetProperty("clientIp").GetString());
        Assert.Equal("idle-timeout", events[1].GetProperty("end").GetString());
        Assert.Equal("timeout", events[1].GetProperty("outcome").GetString());
        Assert.Equal("helo", events[1].GetProperty("stage").GetString());
        Assert.Equal(JsonValueKind.Null, events[1].GetProperty("mailFrom").ValueKind);
        Assert.Equal("2024-01-02T03:03:00.123Z", events[1].GetProperty("startTime").GetString());

        var (_, byDomain, _) = await FakemxProcess.RunAsync(_directory,
            "events", "--json", "--domain", "customer.example");
        var only = JsonDocument.Parse(Assert.Single(byDomain.Split('\n'))).RootElement;
        Assert.Equal("u@customer.example", only.GetProperty("recipients")[0].GetString());
    }

    [Fact]
    public async Task Events_follow_prints_sessions_stored_after_it_started_until_SIGTERM()
    {
        using var follow = FakemxProcess.Start(_directory, "events", "--follow", "--json", "--limit", "1");
        await follow.WaitForLineAsync(l => l.Contains("\"2001:db8::9\""));

        await using (var store = new SqliteEventStore(new StoreLocation(StoreKind.Sqlite, DbPath)))
        {
            await store.WriteBatchAsync([Sessions.Make(ip: "203.0.113.77", minute: 30)], CancellationToken.None);
        }

        await follow.WaitForLineAsync(l => l.Contains("\"203.0.113.77\""));
        follow.Signal(15);
        Assert.Equal(0, await follow.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, follow.Stdout.Count);
    }

    [Fact]
    public async Task An_empty_store_prints_an_empty_report_not_an_error()
    {
        var empty = Path.Combine(_directory, "empty.db");
        await using (var store = new SqliteEventStore(new StoreLocation(StoreKind.Sqlite, empty)))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        var stats = await FakemxProcess.RunAsync(_directory, "stats", "--store", empty);
        var events = await FakemxProcess.RunAsync(_directory, "events", "--store", empty, "--json");

        Assert.Equal(0, stats.ExitCode);
        Assert.Matches(@"(?m)^sessions\s+0$", stats.Stdout);
        Assert.Matches(@"(?m)^deferred\s+0$", stats.Stdout);
        Assert.Equal(0, events.ExitCode);
        Assert.Equal(string.Empty, events.Stdout);
    }

    [Theory]
    [InlineData("stats --since yesterday", "--since: 'yesterday' is not a time")]
    [InlineData("stats --until 5 --since 1h", "--until: '5' is not a time")]
    [InlineData("events --since soon", "--since: 'soon' is not a time")]
    [InlineData("events --ip 999.1.1.1", "--ip: '999.1.1.1' is not an IPv4 or IPv6 address")]
    [InlineData("events --limit 0", "--limit: 0 must be at least 1")]
    [InlineData("stats --store missing.db", "--store: '{dir}/missing.db' does not exist")]
    [InlineData("events --store missing.db", "--store: '{dir}/missing.db' does not exist")]
    [InlineData("stats --store Host=127.0.0.1;Port=1;Username=nobody;Timeout=3",
        "--store: cannot reach PostgreSQL at Host=127.0.0.1;Port=1")]
    [InlineData("events --store postgresql://nobody@127.0.0.1:1/none", "--store: cannot reach PostgreSQL")]
    public async Task Bad_arguments_get_one_clear_line_and_exit_code_2(string args, string expected)
    {
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory, args.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n'));
        Assert.StartsWith("fakemx: " + expected.Replace("{dir}", _directory), line);
        Assert.False(File.Exists(Path.Combine(_directory, "missing.db")), "the CLI must not create a store");
    }

    [Fact]
    public async Task Stats_read_a_PostgreSQL_store_given_as_a_URI()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        StoreLocation.TryParse(database.ConnectionString, out var location, out _);
        await using (var store = EventStores.Create(location!))
        {
            await store.InitializeAsync(CancellationToken.None);
            await store.WriteBatchAsync([Sessions.Make(ip: "198.51.100.3")], CancellationToken.None);
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
        var uri = $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        var (code, stdout, stderr) = await FakemxProcess.RunAsync(_directory,
            "stats", "--since", Since, "--store", uri, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("198.51.100.3", json.RootElement.GetProperty("topIps")[0].GetProperty("value").GetString());
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
