using System.Text.RegularExpressions;
using FakeMx.Tests.Support;
using Microsoft.Data.Sqlite;

namespace FakeMx.Tests.Store;

/// <summary>
/// SIGKILL in the middle of a load: the SQLite store must open cleanly afterwards and hold
/// every session the server reported as committed before it died.
/// </summary>
public sealed partial class HardKillTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-kill-").FullName;

    private string DbPath => Path.Combine(_directory, "fakemx.db");

    [Fact]
    public async Task A_SIGKILL_during_load_loses_no_committed_batch_and_leaves_the_file_intact()
    {
        await using var server = FakeMxProcess.StartIn(_directory, "serve", "--listen", "127.0.0.1:0",
            "--node", "doomed", "--store", DbPath, "--store-batch", "20", "--log-level", "debug",
            "--max-connections-per-ip", "100", "--connection-rate-per-ip", "off",
            "--connection-rate-per-network", "off");
        var listening = await server.WaitForLineAsync(l => l.Contains("LISTEN smtp"));
        var port = int.Parse(ListenPort().Match(listening).Groups[1].Value);
        await server.WaitForLineAsync(l => l.Contains("STORE open"));

        // Four clients in parallel, bounded in count and time; the kill lands while they run.
        var completed = 0;
        var attempted = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Volatile.Read(ref attempted) < 2000)
            {
                Interlocked.Increment(ref attempted);
                try
                {
                    await ServerRecordingTests.DeferredSessionAsync(port);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception) when (server.HasExited || stop.IsCancellationRequested)
                {
                    return;
                }
            }
        })).ToList();

        await server.WaitForLineAsync(l => Written(l) >= 150, TimeSpan.FromSeconds(60));
        server.Signal(9);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });

        var committed = server.StdoutLines.Select(Written).Max();
        Assert.DoesNotContain(server.StdoutLines, l => l.Contains("FLUSH"));

        await using (var connection = new SqliteConnection($"Data Source={DbPath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await command.ExecuteScalarAsync());
            command.CommandText = "SELECT COUNT(*) FROM sessions WHERE node = 'doomed' AND reply_code = 451";
            var rows = (long)(await command.ExecuteScalarAsync())!;
            Assert.InRange(rows, committed, Volatile.Read(ref attempted));
        }

        SqliteConnection.ClearAllPools();

        // The server starts again on the same file and keeps recording.
        await using var again = FakeMxProcess.StartIn(_directory, "serve", "--listen", "127.0.0.1:0",
            "--store", DbPath);
        await again.WaitForLineAsync(l => l.Contains("STORE open sqlite"));
        again.Signal(15);
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    /// <summary>The "written since start" total of a BATCH WRITTEN line; -1 for other lines.</summary>
    private static long Written(string line)
    {
        var match = BatchWritten().Match(line);
        return match.Success ? long.Parse(match.Groups[1].Value) : -1;
    }

    [GeneratedRegex(@"BATCH WRITTEN \d+ sessions in [\d.]+ms; (\d+) written since start")]
    private static partial Regex BatchWritten();

    [GeneratedRegex(@"LISTEN smtp on .*:(\d+)$")]
    private static partial Regex ListenPort();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
