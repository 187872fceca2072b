using System.Diagnostics;
using System.Text.RegularExpressions;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FakeMx.Tests.Store;

/// <summary>Tests that stop the shared PostgreSQL server run alone, after every other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresOutageCollection
{
    public const string Name = "PostgreSQL outage";
}

/// <summary>
/// PostgreSQL stopped under load and started again: SMTP clients keep getting their 451 at
/// the usual speed, sessions wait in the queue, and they all arrive once the database is back.
/// </summary>
[Collection(PostgresOutageCollection.Name)]
public sealed partial class PostgresOutageTests
{
    [Fact]
    public async Task SMTP_never_stalls_while_PostgreSQL_is_down_and_queued_sessions_arrive_after_restart()
    {
        var pgCtl = Required("FAKEMX_TEST_POSTGRES_CTL");
        var data = Required("FAKEMX_TEST_POSTGRES_DATA");
        var options = ServerOptions(await File.ReadAllTextAsync(Path.Combine(data, "postmaster.opts")));

        await using var database = await PostgresDatabase.CreateAsync();
        await using var server = await RunningServer.StartWithStoreAsync(database.ConnectionString);
        await server.Services.GetRequiredService<EventWriter>().StoreReady;
        var normal = await SessionsAsync(server.Port, 10);
        await ServerRecordingTests.WaitForRowsAsync(database.ConnectionString, 10);

        await PgCtlAsync(pgCtl, "-D", data, "-m", "fast", "-w", "stop");
        TimeSpan[] down;
        try
        {
            down = await SessionsAsync(server.Port, 30);
            await WaitUntilAsync(() => server.Logs.WithId(LogEvents.StoreUnavailable).Any());
            down = [.. down, .. await SessionsAsync(server.Port, 10)];
        }
        finally
        {
            await PgCtlAsync(pgCtl, "-D", data, "-l", Path.Combine(Path.GetDirectoryName(data)!, "restart.log"),
                "-w", "-o", options, "start");
        }

        // The deferral during the outage is as quick as before it: well under a second, and at
        // most a small multiple of the normal session plus scheduling noise.
        var slowest = down.Max();
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"slowest session during the outage took {slowest}");
        Assert.True(slowest < normal.Max() * 5 + TimeSpan.FromMilliseconds(300),
            $"slowest during the outage {slowest}, before it {normal.Max()}");

        var rows = await ServerRecordingTests.WaitForRowsAsync(database.ConnectionString, 50);
        Assert.Equal(50, rows.Select(r => r.Id).Distinct().Count());
        Assert.Equal(0, server.Services.GetRequiredService<EventQueue>().Dropped);
        await WaitUntilAsync(() => server.Logs.WithId(LogEvents.StoreRecovered).Any());
        Assert.Contains(server.Logs.WithId(LogEvents.StoreRecovered), l => l.Message.StartsWith("STORE RECOVERED"));
    }

    private static async Task<TimeSpan[]> SessionsAsync(int port, int count)
    {
        var durations = new TimeSpan[count];
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            await ServerRecordingTests.DeferredSessionAsync(port);
            durations[i] = clock.Elapsed;
        }

        return durations;
    }

    /// <summary>The options the cluster was started with, minus its data directory, for <c>pg_ctl -o</c>.</summary>
    private static string ServerOptions(string postmasterOpts)
    {
        var words = QuotedWord().Matches(postmasterOpts).Select(m => m.Groups[1].Value).ToList();
        var at = words.IndexOf("-D");
        if (at >= 0)
        {
            words.RemoveRange(at, 2);
        }

        return string.Join(" ", words);
    }

    private static async Task PgCtlAsync(string pgCtl, params string[] args)
    {
        var info = new ProcessStartInfo("runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-u", "postgres", "--", pgCtl }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_ctl {string.Join(" ", args)} failed: {output}");
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with scripts/test.sh");

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex QuotedWord();
}
