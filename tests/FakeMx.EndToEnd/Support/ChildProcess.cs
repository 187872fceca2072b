using System.Collections.Concurrent;
using System.Diagnostics;

namespace FakeMx.EndToEnd.Support;

/// <summary>
/// A long-running program the test started (dnsmasq, fakemx, smtp-sink), with every line it
/// prints kept for assertions. Disposing kills it by its PID.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every line printed so far on standard output and standard error, in order.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Transcript => string.Join('\n', Lines);

    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        return new ChildProcess(process, name);
    }

    /// <summary>Waits until a printed line satisfies <paramref name="match"/>; fails early if the program exits.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        string? found = null;
        await Wait.UntilAsync(
            () =>
            {
                found = Lines.FirstOrDefault(match);
                if (found is null && _process.HasExited)
                {
                    throw new InvalidOperationException(
                        $"{Name} exited ({_process.ExitCode}) before {what}:\n{Transcript}");
                }

                return found is not null;
            },
            timeout,
            () => $"{Name}: {what}\n{Transcript}");
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (Exception error) when (error is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or stuck: the namespace teardown kills what is left by PID.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
