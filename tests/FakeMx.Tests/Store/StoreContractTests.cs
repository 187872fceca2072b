using FakeMx.Events;
using FakeMx.Smtp;

namespace FakeMx.Tests.Store;

/// <summary>
/// What every event store must do, run against SQLite and against a real PostgreSQL: both
/// must give the same answers to the same questions.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private SqlEventStore? _store;

    protected SqlEventStore Store => _store ?? throw new InvalidOperationException("not initialized");

    /// <summary>Makes this test's own empty location (a file, a database).</summary>
    protected abstract Task CreateLocationAsync();

    /// <summary>A store over this test's location, keeping <paramref name="maxRecipients"/> by name.</summary>
    protected abstract Task<SqlEventStore> CreateStoreAsync(int maxRecipients = 100);

    public async Task InitializeAsync()
    {
        await CreateLocationAsync();
        _store = await CreateStoreAsync();
        await _store.InitializeAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_written_session_reads_back_with_every_field()
    {
        var written = Sessions.Make(to: ["a@Victim.Example", "b@other.example", "c@victim.example"]);
        written = new SessionEvent
        {
            StartTime = written.StartTime,
            EndTime = written.EndTime,
            Node = "node-x",
            PeerIp = "2001:db8::5",
            PeerPort = 51515,
            LocalEndpoint = "[::1]:2525",
            ProxyClientIp = "198.51.100.7",
            ProxyClientPort = 6000,
            Tls = true,
            TlsVersion = "TLSv1.3",
            Pregreet = true,
            Helo = "h\\x01lo",
            MailFrom = string.Empty,
            Recipients = written.Recipients,
            RecipientCount = 7,
            Commands = 9,
            Errors = 2,
            Stage = SessionStage.Rcpt,
            ReplyCode = 451,
            ReplyText = "4.7.1 it's ''quoted''; try later",
            End = SessionEnd.IdleTimeout,
            Deferred = true,
            BytesIn = 1234567890123,
            BytesOut = 42,
        };

        await Store.WriteBatchAsync([written], None);
        var read = Assert.Single(await Store.GetEventsAsync(new EventQuery(), None));

        Assert.NotNull(read.Id);
        Assert.Equal(written.StartTime, read.StartTime);
        Assert.Equal(written.EndTime, read.EndTime);
        Assert.Equal("node-x", read.Node);
        Assert.Equal("2001:db8::5", read.PeerIp);
        Assert.Equal(51515, read.PeerPort);
        Assert.Equal("[::1]:2525", read.LocalEndpoint);
        Assert.Equal("198.51.100.7", read.ProxyClientIp);
        Assert.Equal(6000, read.ProxyClientPort);
        Assert.Equal("198.51.100.7", read.ClientIp);
        Assert.True(read.Tls);
        Assert.Equal("TLSv1.3", read.TlsVersion);
        Assert.True(read.Pregreet);
        Assert.Equal("h\\x01lo", read.Helo);
        Assert.Equal(string.Empty, read.MailFrom);
        Assert.Equal(["a@Victim.Example", "b@other.example", "c@victim.example"], read.Recipients);
        Assert.Equal(7, read.RecipientCount);
        Assert.Equal(9, read.Commands);
        Assert.Equal(2, read.Errors);
        Assert.Equal(SessionStage.Rcpt, read.Stage);
        Assert.Equal(451, read.ReplyCode);
        Assert.Equal("4.7.1 it's ''quoted''; try later", read.ReplyText);
        Assert.Equal(SessionEnd.IdleTimeout, read.End);
        Assert.True(read.Deferred);
        Assert.Equal(SessionOutcome.Deferred, read.Outcome);
        Assert.Equal(1234567890123, read.BytesIn);
        Assert.Equal(42, read.BytesOut);
    }

    [Fact]
    public async Task Optional_fields_left_empty_read_back_as_null()
    {
        var written = Sessions.Make(helo: null, from: null, to: [], deferred: false, end: SessionEnd.ClientClosed,
            stage: SessionStage.Connect);
        await Store.WriteBatchAsync([written], None);

        var read = Assert.Single(await Store.GetEventsAsync(new EventQuery(), None));
        Assert.Null(read.Helo);
        Assert.Null(read.MailFrom);
        Assert.Null(read.ProxyClientIp);
        Assert.Null(read.ProxyClientPort);
        Assert.Null(read.TlsVersion);
        Assert.Empty(read.Recipients);
        Assert.Equal(SessionOutcome.Abandoned, read.Outcome);
    }

    [Fact]
    public async Task Recipients_beyond_the_cap_are_counted_but_not_stored()
    {
        await using var capped = await CreateStoreAsync(maxRecipients: 2);
        await capped.InitializeAsync(None);
        await capped.WriteBatchAsync([Sessions.Make(to: ["1@a.example", "2@a.example", "3@a.example"])], None);

        var read = Assert.Single(await capped.GetEventsAsync(new EventQuery(), None));
        Assert.Equal(["1@a.example", "2@a.example"], read.Recipients);
        Assert.Equal(3, read.RecipientCount);
    }

    [Fact]
    public async Task Events_come_newest_first_and_filter_by_time_address_and_domain()
    {
        await Store.WriteBatchAsync(
        [
            Sessions.Make(ip: "192.0.2.1", minute: 0, to: ["x@one.example"]),
            Sessions.Make(ip: "192.0.2.2", minute: 10, to: ["x@two.example", "y@One.Example"]),
            Sessions.Make(ip: "192.0.2.1", minute: 20, to: ["x@three.example"]),
        ], None);

        var all = await Store.GetEventsAsync(new EventQuery(), None);
        Assert.Equal([20, 10, 0], all.Select(e => (int)(e.StartTime - Sessions.Base).TotalMinutes));

        var since = await Store.GetEventsAsync(new EventQuery(Since: Sessions.Base.AddMinutes(10)), None);
        Assert.Equal(2, since.Count);

        var byIp = await Store.GetEventsAsync(new EventQuery(Ip: "192.0.2.1"), None);
        Assert.All(byIp, e => Assert.Equal("192.0.2.1", e.ClientIp));
        Assert.Equal(2, byIp.Count);

        var byDomain = await Store.GetEventsAsync(new EventQuery(Domain: "ONE.example"), None);
        Assert.Equal([10, 0], byDomain.Select(e => (int)(e.StartTime - Sessions.Base).TotalMinutes));

        var limited = await Store.GetEventsAsync(new EventQuery(Limit: 1), None);
        Assert.Equal(20, (int)(Assert.Single(limited).StartTime - Sessions.Base).TotalMinutes);
    }

    [Fact]
    public async Task One_address_is_found_in_every_hour_of_the_window_and_in_no_other()
    {
        // Sessions of one address spread over three days, at hour edges and inside hours, among
        // sessions of other addresses; written out of time order, in two batches.
        int[] minutes = [-4000, -2881, -2880, -61, -60, -59, -1, 0, 1, 59, 60, 61, 1439];
        var mine = minutes.Reverse().Select(m => Sessions.Make(ip: "198.51.100.9", minute: m,
            to: [m % 2 == 0 ? "a@even.example" : "a@odd.example"])).ToList();
        var others = minutes.Select(m => Sessions.Make(ip: "198.51.100.8", minute: m)).ToList();
        await Store.WriteBatchAsync([.. others, .. mine.Take(6)], None);
        await Store.WriteBatchAsync([.. mine.Skip(6), Sessions.Make(ip: "198.51.100.9", minute: 2000)], None);

        int[] Minutes(IEnumerable<SessionEvent> events) =>
            events.Select(e => (int)Math.Floor((e.StartTime - Sessions.Base).TotalMinutes)).ToArray();

        var all = await Store.GetEventsAsync(new EventQuery(Ip: "198.51.100.9"), None);
        Assert.Equal([2000, .. minutes.Reverse()], Minutes(all));
        Assert.All(all, e => Assert.Equal("198.51.100.9", e.ClientIp));

        var since = await Store.GetEventsAsync(
            new EventQuery(Since: Sessions.Base.AddMinutes(-60).AddSeconds(1), Ip: "198.51.100.9"), None);
        Assert.Equal([2000, 1439, 61, 60, 59, 1, 0, -1, -59], Minutes(since));

        var limited = await Store.GetEventsAsync(new EventQuery(Ip: "198.51.100.9", Limit: 3), None);
        Assert.Equal([2000, 1439, 61], Minutes(limited));

        var odd = await Store.GetEventsAsync(new EventQuery(Ip: "198.51.100.9", Domain: "odd.example"), None);
        Assert.Equal([1439, 61, 59, 1, -1, -59, -61, -2881], Minutes(odd));

        var after = all.Single(e => Minutes([e])[0] == 0).Id!.Value;
        var followed = await Store.GetEventsAsync(new EventQuery(Ip: "198.51.100.9", AfterId: after), None);
        Assert.Equal(all.Where(e => e.Id > after).Select(e => e.Id).Order(), followed.Select(e => e.Id));

        Assert.Empty(await Store.GetEventsAsync(
            new EventQuery(Since: Sessions.Base.AddMinutes(3000), Ip: "198.51.100.9"), None));
        Assert.Empty(await Store.GetEventsAsync(new EventQuery(Ip: "203.0.113.1"), None));
    }

    [Fact]
    public async Task Following_by_id_returns_only_newer_sessions_oldest_first()
    {
        await Store.WriteBatchAsync([Sessions.Make(minute: 5), Sessions.Make(minute: 1)], None);
        var seen = await Store.GetEventsAsync(new EventQuery(), None);
        var last = seen.Max(e => e.Id!.Value);

        Assert.Empty(await Store.GetEventsAsync(new EventQuery(AfterId: last), None));

        await Store.WriteBatchAsync([Sessions.Make(minute: 9), Sessions.Make(minute: 0)], None);
        var next = await Store.GetEventsAsync(new EventQuery(AfterId: last), None);

        Assert.Equal([9, 0], next.Select(e => (int)(e.StartTime - Sessions.Base).TotalMinutes));
        Assert.True(next[0].Id < next[1].Id);
    }

    [Fact]
    public async Task An_empty_store_reports_zero_for_every_label()
    {
        var report = await Store.GetStatsAsync(new StatsQuery(Sessions.Base.AddDays(-1)), None);

        Assert.Equal(0, report.Sessions);
        Assert.Equal(0, report.UniqueIps);
        Assert.Equal(
            ["abandoned", "deferred", "limit", "refused", "shutdown", "timeout"],
            report.Outcomes.Keys.Order());
        Assert.Equal(["connect", "data", "helo", "mail", "rcpt"], report.Stages.Keys.Order());
        Assert.Contains("idle-timeout", report.Ends.Keys);
        Assert.DoesNotContain("open", report.Ends.Keys);
        Assert.All(report.Outcomes.Values.Concat(report.Stages.Values).Concat(report.Ends.Values),
            v => Assert.Equal(0, v));
        Assert.Empty(report.TopIps);
        Assert.Empty(report.Nodes);
    }

    [Fact]
    public async Task Stats_count_sessions_addresses_labels_and_top_lists_within_the_window()
    {
        await Store.WriteBatchAsync(
        [
            Sessions.Make(ip: "192.0.2.1", minute: 1, helo: "a.bot", to: ["u@victim.example", "v@victim.example"]),
            Sessions.Make(ip: "192.0.2.1", minute: 2, helo: "a.bot", pregreet: true),
            Sessions.Make(ip: "192.0.2.99", minute: 3, helo: "b.bot", from: "x@Other.Example", node: "node-b"),
            Sessions.Make(ip: "2001:db8:1:2::1", minute: 4, helo: null, from: null, to: [], deferred: false,
                end: SessionEnd.IdleTimeout, stage: SessionStage.Connect),
            Sessions.Make(ip: "198.51.100.1", minute: 5, deferred: false, end: SessionEnd.ConnectionLimit,
                stage: SessionStage.Connect, helo: null, from: null, to: []),
            Sessions.Make(ip: "203.0.113.5", minute: 120),
        ], None);

        var report = await Store.GetStatsAsync(
            new StatsQuery(Sessions.Base, Sessions.Base.AddMinutes(60), Top: 2), None);

        Assert.Equal(5, report.Sessions);
        Assert.Equal(4, report.UniqueIps);
        Assert.Equal(1, report.Pregreet);
        Assert.Equal(3, report.Outcomes["deferred"]);
        Assert.Equal(1, report.Outcomes["timeout"]);
        Assert.Equal(1, report.Outcomes["refused"]);
        Assert.Equal(0, report.Outcomes["limit"]);
        Assert.Equal(3, report.Stages["data"]);
        Assert.Equal(2, report.Stages["connect"]);
        Assert.Equal(3, report.Ends["quit"]);
        Assert.Equal(1, report.Ends["connection-limit"]);

        Assert.Equal([new TopEntry("192.0.2.1", 2), new TopEntry("192.0.2.99", 1)], report.TopIps);
        Assert.Equal(new TopEntry("192.0.2.0/24", 3), report.TopNetworks[0]);
        Assert.Equal([new TopEntry("a.bot", 2), new TopEntry("b.bot", 1)], report.TopHelos);
        Assert.Equal([new TopEntry("sender.example", 2), new TopEntry("other.example", 1)],
            report.TopSenderDomains);
        Assert.Equal([new TopEntry("victim.example", 3)], report.TopRecipientDomains);
        Assert.Equal([new TopEntry("user@victim.example", 2), new TopEntry("u@victim.example", 1)],
            report.TopRecipients);

        Assert.Equal(["node-a", "node-b"], report.Nodes.Select(n => n.Node));
        Assert.Equal(4, report.Nodes[0].Sessions);
        Assert.Equal(3, report.Nodes[0].UniqueIps);
        Assert.Equal(Sessions.Base.AddMinutes(5).AddMilliseconds(123), report.Nodes[0].LastSeen);
    }

    [Fact]
    public async Task Stats_networks_are_slash_24_for_IPv4_and_slash_48_for_IPv6()
    {
        await Store.WriteBatchAsync(
        [
            Sessions.Make(ip: "2001:db8:aa:1::1"),
            Sessions.Make(ip: "2001:db8:aa:ffff::2"),
            Sessions.Make(ip: "10.1.2.3"),
        ], None);

        var report = await Store.GetStatsAsync(new StatsQuery(Sessions.Base.AddHours(-1)), None);
        Assert.Equal([new TopEntry("2001:db8:aa::/48", 2), new TopEntry("10.1.2.0/24", 1)], report.TopNetworks);
    }

    [Fact]
    public async Task Stats_for_a_domain_count_only_sessions_that_named_it()
    {
        await Store.WriteBatchAsync(
        [
            Sessions.Make(ip: "192.0.2.1", to: ["a@customer.example"]),
            Sessions.Make(ip: "192.0.2.2", to: ["b@Customer.Example", "c@else.example"]),
            Sessions.Make(ip: "192.0.2.3", to: ["d@else.example"]),
        ], None);

        var report = await Store.GetStatsAsync(
            new StatsQuery(Sessions.Base.AddHours(-1), Domain: "customer.EXAMPLE"), None);

        Assert.Equal("customer.example", report.Domain);
        Assert.Equal(2, report.Sessions);
        Assert.Equal(2, report.UniqueIps);
        Assert.Equal(new TopEntry("customer.example", 2), report.TopRecipientDomains[0]);
    }

    [Fact]
    public async Task Time_series_counts_sessions_per_step_by_outcome_with_every_step_present()
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-25);
        SessionEvent At(int minute, bool deferred) =>
            new()
            {
                StartTime = since.AddMinutes(minute),
                EndTime = since.AddMinutes(minute).AddSeconds(1),
                Node = "n",
                PeerIp = "192.0.2.1",
                PeerPort = 1,
                LocalEndpoint = "l",
                Deferred = deferred,
                End = deferred ? SessionEnd.Quit : SessionEnd.ClientClosed,
                Recipients = ["u@ts.example"],
                RecipientCount = 1,
            };

        await Store.WriteBatchAsync([At(1, true), At(2, true), At(3, false), At(21, true)], None);
        var series = await Store.GetTimeSeriesAsync(since, TimeSpan.FromMinutes(10), null, None);

        Assert.Equal(3, series.Count);
        Assert.Equal(since, series[0].Start);
        Assert.Equal(since.AddMinutes(20), series[2].Start);
        Assert.Equal(2, series[0].Outcomes["deferred"]);
        Assert.Equal(1, series[0].Outcomes["abandoned"]);
        Assert.Equal(0, series[1].Outcomes["deferred"]);
        Assert.Equal(6, series[1].Outcomes.Count);
        Assert.Equal(1, series[2].Outcomes["deferred"]);

        var other = await Store.GetTimeSeriesAsync(since, TimeSpan.FromMinutes(10), "nobody.example", None);
        Assert.All(other, p => Assert.All(p.Outcomes.Values, v => Assert.Equal(0, v)));
    }

    [Fact]
    public async Task Pruning_removes_old_sessions_and_their_recipients_only()
    {
        var old = Enumerable.Range(0, 6001).Select(i => Sessions.Make(minute: -1000 - (i % 50))).ToList();
        await Store.WriteBatchAsync(old, None);
        await Store.WriteBatchAsync([Sessions.Make(minute: 0, to: ["kept@victim.example"])], None);

        var removed = await Store.PruneAsync(Sessions.Base.AddMinutes(-1), None);

        Assert.Equal(6001, removed);
        var left = Assert.Single(await Store.GetEventsAsync(new EventQuery(Limit: 10), None));
        Assert.Equal(["kept@victim.example"], left.Recipients);
        var report = await Store.GetStatsAsync(new StatsQuery(DateTimeOffset.MinValue.AddYears(2000)), None);
        Assert.Equal([new TopEntry("kept@victim.example", 1)], report.TopRecipients);
        Assert.Equal(1L, Convert.ToInt64(await Store.ExecuteSqlAsync("SELECT COUNT(*) FROM session_domains")));
    }

    [Fact]
    public async Task A_version_1_store_keeps_its_recipients_and_domains_when_migrated()
    {
        // Rebuild this test's store at schema version 1, written the way version 1 wrote.
        await Store.ExecuteSqlAsync("DROP TABLE session_domains; DROP TABLE sessions; DROP TABLE schema_version");
        await Store.InitializeAsync(1, None);
        const string columns = "id, start_time, end_time, node, peer_ip, peer_port, local_endpoint, client_ip, " +
            "client_network, tls, pregreet, recipient_count, commands, errors, stage, outcome, session_end, " +
            "deferred, bytes_in, bytes_out";
        await Store.ExecuteSqlAsync($"INSERT INTO sessions ({columns}) VALUES " +
            "(1, @time0, @time0, 'old', '192.0.2.1', 1, '127.0.0.1:25', '192.0.2.1', '192.0.2.0/24', FALSE, FALSE, " +
            "3, 6, 0, 'data', 'deferred', 'quit', TRUE, 10, 20), " +
            "(2, @time1, @time1, 'old', '192.0.2.2', 2, '127.0.0.1:25', '192.0.2.2', '192.0.2.0/24', FALSE, FALSE, " +
            "0, 1, 0, 'connect', 'abandoned', 'client-closed', FALSE, 0, 30)",
            Sessions.Base, Sessions.Base.AddMinutes(1));
        await Store.ExecuteSqlAsync("INSERT INTO session_recipients (session_id, position, address, domain) VALUES " +
            "(1, 0, 'b@Two.Example', 'two.example'), (1, 1, 'a@one.example', 'one.example'), " +
            "(1, 2, 'c@two.example', 'two.example')");

        await using var migrated = await CreateStoreAsync();
        await migrated.InitializeAsync(None);

        Assert.Equal(1, migrated.InitializedFrom);
        var events = await migrated.GetEventsAsync(new EventQuery(), None);
        Assert.Equal([2L, 1L], events.Select(e => e.Id!.Value));
        Assert.Empty(events[0].Recipients);
        Assert.Equal(["b@Two.Example", "a@one.example", "c@two.example"], events[1].Recipients);
        var inTwo = Assert.Single(await migrated.GetEventsAsync(new EventQuery(Domain: "Two.Example"), None));
        Assert.Equal(1L, inTwo.Id);
        var report = await migrated.GetStatsAsync(new StatsQuery(Sessions.Base.AddHours(-1)), None);
        Assert.Equal([new TopEntry("one.example", 1), new TopEntry("two.example", 1)], report.TopRecipientDomains);
        Assert.Equal(3, report.TopRecipients.Count);

        Assert.Equal(2, await migrated.PruneAsync(Sessions.Base.AddDays(1), None));
        Assert.Equal(0L, Convert.ToInt64(await migrated.ExecuteSqlAsync("SELECT COUNT(*) FROM session_domains")));
    }

    [Fact]
    public async Task Initializing_again_keeps_the_data_and_the_schema_version()
    {
        await Store.WriteBatchAsync([Sessions.Make()], None);
        await using var again = await CreateStoreAsync();

        await again.InitializeAsync(None);

        Assert.Equal(again.SchemaVersion, again.InitializedFrom);
        Assert.Single(await again.GetEventsAsync(new EventQuery(), None));
    }
}
