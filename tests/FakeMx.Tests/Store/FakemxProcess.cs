using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FakeMx.Tests.Store;

/// <summary>
/// The built <c>fakemx</c> executable run as a child process, as an operator runs it: its
/// output lines are collected as they come, and it is stopped by its own PID only.
/// </summary>
public sealed class FakemxProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private FakemxProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "fakemx");

    public static FakemxProcess Start(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The tests name their store explicitly; an inherited one must not leak in.
        info.Environment.Remove("FAKEMX__STORE__LOCATION");

        // Parallel tests must not race for the default web port; a test that cares passes --http.
        info.Environment["FAKEMX__HTTP__LISTEN"] = "127.0.0.1:0";
        var process = new Process { StartInfo = info };
        var started = new FakemxProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                started._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                started._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Runs a verb to completion: its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string workingDirectory,
        params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, string.Join("\n", process.Stdout), string.Join("\n", process.Stderr));
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>Waits until a line of standard output matches; returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var line = _stdout.FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("no matching line; stdout:\n" + string.Join("\n", _stdout) +
            "\nstderr:\n" + string.Join("\n", _stderr));
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM 15, SIGKILL 9) to this process only.</summary>
    public void Signal(int signal) => Kill(_process.Id, signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, 9);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
