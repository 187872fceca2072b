using System.Diagnostics;
using System.Diagnostics.Metrics;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;
using FakeMx.Tests.Server;
using FakeMx.Tests.Support;
using MailKit.Net.Smtp;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FakeMx.Tests.Store;

/// <summary>The real server, real clients and a real store: what the clients did ends up as rows.</summary>
public sealed class ServerRecordingTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-recording-").FullName;
    private PostgresDatabase? _database;

    private string SqlitePath => Path.Combine(_directory, "events.db");

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Sessions_driven_by_MailKit_end_up_as_rows_with_the_right_fields(string kind)
    {
        var location = kind == "sqlite"
            ? SqlitePath
            : (_database = await PostgresDatabase.CreateAsync()).ConnectionString;
        await using var server = await RunningServer.StartWithStoreAsync(location, ("Node", "edge-1"));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.None);
            await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(DeferralTests.Message()));
            await client.DisconnectAsync(quit: true);
        }

        await using (var wire = await SmtpWire.ConnectAsync(server.Port))
        {
            await wire.ReadReplyAsync();
            await wire.SendAsync("HELO second.example\r\nMAIL FROM:<>\r\nRCPT TO:<a@One.Example>\r\n" +
                "RCPT TO:<b@two.example>\r\n");
            for (var i = 0; i < 4; i++)
            {
                await wire.ReadReplyAsync();
            }
        }

        var rows = await WaitForRowsAsync(location, 2);
        var mailKit = rows.Single(r => r.MailFrom == "sender@example.org");
        Assert.Equal("edge-1", mailKit.Node);
        Assert.Equal("127.0.0.1", mailKit.PeerIp);
        Assert.Equal("127.0.0.1", mailKit.ClientIp);
        Assert.Equal($"127.0.0.1:{server.Port}", mailKit.LocalEndpoint);
        Assert.InRange(mailKit.StartTime, before, DateTimeOffset.UtcNow);
        Assert.True(mailKit.EndTime >= mailKit.StartTime);
        Assert.Equal(["user@example.test"], mailKit.Recipients);
        Assert.Equal(1, mailKit.RecipientCount);
        Assert.Equal(SessionStage.Data, mailKit.Stage);
        Assert.Equal(451, mailKit.ReplyCode);
        Assert.StartsWith("4.7.1", mailKit.ReplyText);
        Assert.True(mailKit.Deferred);
        Assert.Equal(SessionEnd.Quit, mailKit.End);
        Assert.Equal(SessionOutcome.Deferred, mailKit.Outcome);
        Assert.True(mailKit.BytesIn > 40 && mailKit.BytesOut > 100);
        Assert.True(mailKit.Commands >= 5);

        var raw = rows.Single(r => r.Helo == "second.example");
        Assert.Equal(string.Empty, raw.MailFrom);
        Assert.Equal(["a@One.Example", "b@two.example"], raw.Recipients);
        Assert.Equal(SessionStage.Rcpt, raw.Stage);
        Assert.Equal(SessionEnd.ClientClosed, raw.End);
        Assert.Equal(SessionOutcome.Abandoned, raw.Outcome);
        Assert.False(raw.Deferred);

        await using var store = await EventStores.OpenForReadingAsync(location, CancellationToken.None);
        var stats = await store.GetStatsAsync(new StatsQuery(before, Domain: "one.example"), CancellationToken.None);
        Assert.Equal(1, stats.Sessions);
        Assert.Equal([new NodeStats("edge-1", 1, 1, raw.StartTime)], stats.Nodes);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_blocking_sessions()
    {
        const int sessions = 20;
        const int capacity = 4;

        // Stall the store: another connection holds SQLite's write lock, as a long reader-writer would.
        await using var server = await RunningServer.StartWithStoreAsync(SqlitePath,
            ("Store:QueueCapacity", capacity.ToString()), ("Store:BatchSize", "1"));
        await server.Services.GetRequiredService<EventWriter>().StoreReady;
        using var dropped = new DroppedCounter(server.Services.GetRequiredService<FakeMxMetrics>());
        await using var locker = new SqliteConnection($"Data Source={SqlitePath}");
        await locker.OpenAsync();
        await using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            await begin.ExecuteNonQueryAsync();
        }

        var slowest = TimeSpan.Zero;
        for (var i = 0; i < sessions; i++)
        {
            var clock = Stopwatch.StartNew();
            await DeferredSessionAsync(server.Port);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        var queue = server.Services.GetRequiredService<EventQueue>();
        const int inWritersHands = EventStoreOptions.UnderLoadFactor; // batch size 1, grown under load
        await WaitUntilAsync(() => queue.Dropped >= sessions - capacity - inWritersHands);

        // A batch may be in the writer's hands, the queue holds the capacity, the rest is dropped.
        Assert.InRange(queue.Dropped, sessions - capacity - inWritersHands, sessions - capacity);
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a session took {slowest} while the store was stalled");
        Assert.Equal(queue.Dropped, dropped.Total);
        Assert.Contains(server.Logs.WithId(LogEvents.EventsDropped), l => l.Message.StartsWith("EVENTS DROPPED"));

        // The writer gives up on the lock after SQLite's busy timeout, says so, and retries.
        await WaitUntilAsync(() => server.Logs.WithId(LogEvents.StoreUnavailable).Any());
        await using (var rollback = locker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var rows = await WaitForRowsAsync(SqlitePath, sessions - (int)queue.Dropped);
        Assert.Equal(sessions, rows.Count + queue.Dropped);
        Assert.Contains(server.Logs.WithId(LogEvents.StoreUnavailable), l => l.Message.Contains("locked"));
        Assert.NotEmpty(server.Logs.WithId(LogEvents.StoreRecovered));
    }

    [Fact]
    public async Task Shutdown_writes_every_queued_session_before_exit()
    {
        // A flush interval longer than the test keeps the sessions queued until shutdown.
        var server = await RunningServer.StartWithStoreAsync(SqlitePath, ("Store:FlushInterval", "50s"));
        for (var i = 0; i < 7; i++)
        {
            await DeferredSessionAsync(server.Port);
        }

        await server.StopAsync();
        await server.DisposeAsync();

        await using var store = await EventStores.OpenForReadingAsync(SqlitePath, CancellationToken.None);
        Assert.Equal(7, (await store.GetEventsAsync(new EventQuery(Limit: 100), CancellationToken.None)).Count);
        Assert.Contains(server.Logs.WithId(LogEvents.QueueFlushed), l => l.Message.StartsWith("FLUSH"));
    }

    internal static async Task DeferredSessionAsync(int port)
    {
        await using var wire = await SmtpWire.ConnectAsync(port);
        await wire.ReadReplyAsync();
        await wire.SendAsync("EHLO load.example\r\nMAIL FROM:<a@load.example>\r\nRCPT TO:<b@victim.example>\r\n");
        for (var i = 0; i < 3; i++)
        {
            await wire.ReadReplyAsync();
        }

        await wire.SendAsync("DATA\r\n");
        var reply = await wire.ReadReplyAsync();
        Assert.StartsWith("451", reply);
        await wire.SendAsync("QUIT\r\n");
        await wire.ReadReplyAsync();
    }

    internal static async Task<IReadOnlyList<SessionEvent>> WaitForRowsAsync(string location, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var store = await EventStores.OpenForReadingAsync(location, CancellationToken.None);
        while (true)
        {
            var rows = await store.GetEventsAsync(new EventQuery(Limit: 10_000), CancellationToken.None);
            if (rows.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, rows.Count);
                return rows;
            }

            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Adds up <c>fakemx.events.dropped</c> of one server's meter.</summary>
    private sealed class DroppedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public DroppedCounter(FakeMxMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == metrics.Meter && instrument.Name == "fakemx.events.dropped")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
