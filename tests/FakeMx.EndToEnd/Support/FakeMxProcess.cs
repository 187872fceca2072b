using System.Text.Json;

namespace FakeMx.EndToEnd.Support;

/// <summary>
/// The built fakemx executable running <c>serve</c> inside a lab host, with JSON logs on
/// standard output. Its session summaries (event id 1100) are what the tests read as FakeMX's
/// account of who came.
/// </summary>
public sealed class FakeMxProcess : IAsyncDisposable
{
    public const int ListeningEvent = 1000;
    public const int SessionEvent = 1100;

    private readonly ChildProcess _process;

    private FakeMxProcess(ChildProcess process, string address, string deferAt)
    {
        _process = process;
        Address = address;
        DeferAt = deferAt;
    }

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
        string[] command =
        [
            Repo.FakeMxExecutable, "serve",
            "--listen", $"{address}:25",
            "--hostname", hostname,
            "--defer-at", deferAt,
            "--node", "e2e",
            "--log-format", "json",
        ];
        var process = lab.Start(host, $"fakemx {deferAt} on {address}", command);
        var fakemx = new FakeMxProcess(process, address, deferAt);
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

    public ValueTask DisposeAsync() => _process.DisposeAsync();

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
