using System.Text.Json;

namespace FakeMx.EndToEnd.Support;

/// <summary>
/// The built fakemx executable running <c>serve</c> inside a lab host, with JSON logs on
/// standard output and its own SQLite event store. Its session summaries (event id 1100) tell
/// the tests quickly who came; the store, read back with <c>fakemx events --json</c>, holds
/// the full envelope.
/// </summary>
public sealed class FakeMxProcess : IAsyncDisposable
{
    public const int ListeningEvent = 1000;
    public const int SessionEvent = 1100;

    private readonly ChildProcess _process;

    private FakeMxProcess(ChildProcess process, string address, string deferAt, string storeDirectory)
    {
        _process = process;
        Address = address;
        DeferAt = deferAt;
        StoreDirectory = storeDirectory;
    }

    /// <summary>The folder of this FakeMX's own SQLite store, removed on dispose.</summary>
    public string StoreDirectory { get; }

    public string StorePath => Path.Combine(StoreDirectory, "fakemx.db");

    public string Address { get; }

    public string DeferAt { get; }

    /// <summary>Every JSON log line printed so far.</summary>
    public IReadOnlyList<string> LogLines => _process.Lines;

    /// <summary>The <c>State</c> object of each session summary line, in order.</summary>
    public IReadOnlyList<JsonElement> Sessions =>
        [.. Entries().Where(e => e.GetProperty("EventId").GetInt32() == SessionEvent)
            .Select(e => e.GetProperty("State").Clone())];

    /// <summary>The session summary lines as printed (JSON).</summary>
    public IReadOnlyList<string> SessionLines =>
        [.. LogLines.Where(line => line.Contains($"\"EventId\":{SessionEvent},", StringComparison.Ordinal))];

    public static async Task<FakeMxProcess> StartAsync(
        NetworkLab lab, string host, string address, string hostname, string deferAt)
    {
        var storeDirectory = Directory.CreateTempSubdirectory("fmxe2e-store-").FullName;
        string[] command =
        [
            Repo.FakeMxExecutable, "serve",
            "--store", Path.Combine(storeDirectory, "fakemx.db"),
            "--listen", $"{address}:25",
            "--hostname", hostname,
            "--defer-at", deferAt,
            "--node", "e2e",
            "--log-format", "json",

            // These scenarios do not use the web endpoint; it must not race for its fixed port.
            "--http", "off",
        ];
        var process = lab.Start(host, $"fakemx {deferAt} on {address}", command);
        var fakemx = new FakeMxProcess(process, address, deferAt, storeDirectory);
        try
        {
            await process.WaitForLineAsync(
                line => line.Contains($"\"EventId\":{ListeningEvent},", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "its LISTEN line");
            return fakemx;
        }
        catch
        {
            await fakemx.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> sessions have been summarised.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForSessionsAsync(int count, TimeSpan timeout)
    {
        await Wait.UntilAsync(() => Sessions.Count >= count, timeout,
            () => $"{count} FakeMX session(s); log so far:\n{_process.Transcript}");
        return Sessions;
    }

    public void SaveLog(string directory, string fileName) =>
        File.WriteAllLines(Path.Combine(directory, fileName), LogLines);

    /// <summary>
    /// Waits until the store holds at least <paramref name="count"/> sessions (the writer
    /// commits in batches) and returns them, oldest first, as <c>fakemx events --json</c>
    /// prints them.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForStoredSessionsAsync(int count, TimeSpan timeout)
    {
        IReadOnlyList<JsonElement> stored = [];
        await Wait.UntilAsync(async () =>
        {
            var events = await Command.RunAsync(Repo.FakeMxExecutable,
                ["events", "--json", "--since", "1d", "--limit", "1000", "--store", StorePath]);
            stored = events.ExitCode != 0 ? [] : [.. events.Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .Reverse()];
            return stored.Count >= count;
        }, timeout, () => $"{count} stored FakeMX session(s) in {StorePath}");
        return stored;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(StoreDirectory, recursive: true);
    }

    private IEnumerable<JsonElement> Entries()
    {
        foreach (var line in LogLines)
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            yield return document.RootElement.Clone();
        }
    }
}
