// Measures sustained session-event ingest into a FakeMX event store.
//
//   store-ingest sqlite|postgres LOCATION [runs] [events] [rate]
//
// Each run makes a fresh store and does two things:
//   direct:   WriteBatchAsync in batches of 500 (the writer's default), as fast as it goes, and
//             in batches of 2,000 (what the writer takes per transaction while it is behind);
//   pipeline: the server's own path (EventQueue -> EventWriter -> store) fed at a fixed offered
//             rate for as many events; reports the drops (must be 0) and the rate they were stored.
// Prints one line per run and the medians; the direct figure also per CPU-second of this process
// (client side only: for PostgreSQL the server's own CPU is not in it).
//
// PRELOAD=N (SQLite only) starts every store with N older sessions instead of empty: a store as
// retention leaves it, the sessions spread evenly over the 30 days before the measured ones.
// They are written once into a template file (kept in LOCATION for later turns) that each run copies.
using System.Diagnostics;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: store-ingest sqlite|postgres LOCATION [runs=5] [events=200000] [rate=50000]");
    return 2;
}

var kind = args[0];
var location = args[1];
var runs = args.Length > 2 ? int.Parse(args[2]) : 5;
var count = args.Length > 3 ? int.Parse(args[3]) : 200_000;
var rate = args.Length > 4 ? int.Parse(args[4]) : 50_000;
var batchSize = args.Length > 5 ? int.Parse(args[5]) : new EventStoreOptions().BatchSize;
var events = MakeEvents(count, DateTimeOffset.UtcNow.AddHours(-1), 1);
var preload = int.TryParse(Environment.GetEnvironmentVariable("PRELOAD"), out var n) ? n : 0;
string? template = null;
if (preload > 0 && kind == "sqlite")
{
    template = await TemplateAsync(location, preload);
}

var direct = new List<double>();
var directCpu = new List<double>();
var large = new List<double>();
var largeCpu = new List<double>();
Console.WriteLine($"load average at start: {LoadAverage()}");
var pipeline = new List<double>();
var drops = new List<long>();
for (var run = 1; run <= runs; run++)
{
    await using (var store = await FreshStoreAsync(kind, location, run, "d", template))
    {
        var (wall, cpu) = await DirectAsync(store, events, batchSize);
        direct.Add(wall);
        directCpu.Add(cpu);
    }

    await using (var store = await FreshStoreAsync(kind, location, run, "l", template))
    {
        var (wall, cpu) = await DirectAsync(store, events, batchSize * EventStoreOptions.UnderLoadFactor);
        large.Add(wall);
        largeCpu.Add(cpu);
    }

    await using (var store = await FreshStoreAsync(kind, location, run, "p", template))
    {
        var (stored, dropped) = await PipelineAsync(store, events, rate, batchSize);
        pipeline.Add(stored);
        drops.Add(dropped);
    }

    Console.WriteLine($"run {run}: direct {direct[^1]:F0} events/s ({directCpu[^1]:F0} per CPU-second); " +
        $"direct x{EventStoreOptions.UnderLoadFactor} {large[^1]:F0} events/s ({largeCpu[^1]:F0} per CPU-second); " +
        $"pipeline offered {rate}/s, stored {pipeline[^1]:F0} events/s, dropped {drops[^1]}");
}

Console.WriteLine($"median: direct {Median(direct):F0} events/s ({Median(directCpu):F0} per CPU-second); " +
    $"direct x{EventStoreOptions.UnderLoadFactor} {Median(large):F0} events/s ({Median(largeCpu):F0} per CPU-second); " +
    $"pipeline stored {Median(pipeline):F0} events/s at {rate}/s offered; drops in all runs: {drops.Sum()}");
Console.WriteLine($"load average at end: {LoadAverage()}");
return 0;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

// Writes every event in batches of `size`, as fast as it goes: rate by wall clock and per CPU-second.
static async Task<(double Wall, double Cpu)> DirectAsync(SqlEventStore store, SessionEvent[] events, int size)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    foreach (var batch in events.Chunk(size))
    {
        await store.WriteBatchAsync(batch, CancellationToken.None);
    }

    // On a shared machine wall time depends on the neighbours; CPU time spent is our own.
    return (events.Length / clock.Elapsed.TotalSeconds,
        events.Length / (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

// Feeds the queue at `rate` events/s in 10 ms steps, then waits for the writer to drain it.
static async Task<(double Stored, long Dropped)> PipelineAsync(
    SqlEventStore store, SessionEvent[] events, int rate, int batchSize)
{
    var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    using var metrics = new FakeMxMetrics(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    var options = new EventStoreOptions { BatchSize = batchSize };
    var queue = new EventQueue(options, metrics, NullLogger<EventQueue>.Instance);
    using var writer = new EventWriter(queue, store, options, metrics, NullLogger<EventWriter>.Instance);
    await writer.StartAsync(CancellationToken.None);
    await writer.StoreReady;

    var clock = Stopwatch.StartNew();
    var offered = 0;
    while (offered < events.Length)
    {
        var due = Math.Min(events.Length, (int)(clock.Elapsed.TotalSeconds * rate) + rate / 100);
        while (offered < due)
        {
            queue.TryWrite(events[offered++]);
        }

        await Task.Delay(10);
    }

    await writer.StoppedAsync(new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token);
    return (writer.Written / clock.Elapsed.TotalSeconds, queue.Dropped);
}

// A store holding `count` sessions spread over the 30 days before the measured ones.
static async Task<string> TemplateAsync(string location, int count)
{
    Directory.CreateDirectory(location);
    var target = Path.Combine(location, $"preload-{count}.db");
    if (File.Exists(target))
    {
        return target; // from an earlier turn of run.sh with the same location
    }

    StoreLocation.TryParse(target, out var parsed, out _);
    await using (var store = EventStores.Create(parsed!))
    {
        await store.InitializeAsync(CancellationToken.None);
        var span = TimeSpan.FromDays(30);
        var old = MakeEvents(count, DateTimeOffset.UtcNow.AddHours(-1) - span, span.TotalMilliseconds / count);
        var clock = Stopwatch.StartNew();
        foreach (var batch in old.Chunk(8000))
        {
            await store.WriteBatchAsync(batch, CancellationToken.None);
        }

        Console.WriteLine($"preloaded {count} sessions over 30 days in {clock.Elapsed.TotalSeconds:F0} s");
    }

    return target;
}

static async Task<SqlEventStore> FreshStoreAsync(string kind, string location, int run, string tag, string? template)
{
    string target;
    if (kind == "sqlite")
    {
        Directory.CreateDirectory(location);
        target = Path.Combine(location, $"ingest-{run}-{tag}.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(target + suffix);
            if (template is not null && File.Exists(template + suffix))
            {
                File.Copy(template + suffix, target + suffix);
            }
        }
    }
    else
    {
        var name = $"fakemx_bench_{run}_{tag}";
        await using var admin = new NpgsqlConnection(location);
        await admin.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        target = new NpgsqlConnectionStringBuilder(location) { Database = name }.ConnectionString;
    }

    StoreLocation.TryParse(target, out var parsed, out _);
    var store = EventStores.Create(parsed!);
    await store.InitializeAsync(CancellationToken.None);
    return store;
}

// Sessions shaped like a bot flood: 5,000 addresses in 500 networks, 1-3 recipients in 50 domains.
// The i-th starts at `start` + i * `stepMs`.
static SessionEvent[] MakeEvents(int count, DateTimeOffset start, double stepMs)
{
    var random = new Random(42);
    return Enumerable.Range(0, count).Select(i =>
    {
        var ip = $"198.{random.Next(2)}.{random.Next(250)}.{random.Next(10)}";
        var recipients = Enumerable.Range(0, 1 + random.Next(3))
            .Select(r => $"user{random.Next(1000)}@domain{random.Next(50)}.example").ToArray();
        var at = start.AddMilliseconds(i * stepMs);
        return new SessionEvent
        {
            StartTime = at,
            EndTime = at.AddMilliseconds(40),
            Node = "bench",
            PeerIp = ip,
            PeerPort = 30000 + random.Next(30000),
            LocalEndpoint = "203.0.113.1:25",
            Helo = $"host{random.Next(500)}.bots.example",
            MailFrom = $"sender{random.Next(100)}@spam{random.Next(20)}.example",
            Recipients = recipients,
            RecipientCount = recipients.Length,
            Commands = 5 + recipients.Length,
            Errors = 0,
            Stage = SessionStage.Data,
            ReplyCode = 451,
            ReplyText = "4.7.1 Service temporarily unavailable, please try again later",
            End = SessionEnd.Quit,
            Deferred = true,
            BytesIn = 150,
            BytesOut = 420,
        };
    }).ToArray();
}
