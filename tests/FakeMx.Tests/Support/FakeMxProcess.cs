using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FakeMx.Tests.Support;

/// <summary>
/// The real <c>fakemx</c> executable as an operator runs it, started from the build output
/// beside the tests, with its output captured. Stopped by PID.
/// </summary>
public sealed partial class FakeMxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private FakeMxProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Stdout => string.Join("\n", _stdout);

    /// <summary>Standard output so far, a line each.</summary>
    public IReadOnlyList<string> StdoutLines => [.. _stdout];

    public bool HasExited => _process.HasExited;

    public string Stderr => string.Join("\n", _stderr);

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "fakemx.dll");

    /// <summary>Starts <c>fakemx</c> with <paramref name="arguments"/>, optionally as another user.</summary>
    public static FakeMxProcess Start(
        IEnumerable<string> arguments,
        string? user = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };

        if (user is not null)
        {
            start.FileName = "runuser";
            foreach (var part in new[] { "-u", user, "--", DotnetHost(), DllPath })
            {
                start.ArgumentList.Add(part);
            }
        }
        else
        {
            start.FileName = DotnetHost();
            start.ArgumentList.Add(DllPath);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        // Parallel tests must not race for the default web port; a test that cares passes --http.
        start.Environment["FAKEMX__HTTP__LISTEN"] = "127.0.0.1:0";

        // The tests name their store explicitly; an inherited one must not leak in.
        start.Environment.Remove("FAKEMX__STORE__LOCATION");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new FakeMxProcess(Process.Start(start)!);
    }

    /// <summary>Starts <c>fakemx</c> in <paramref name="workingDirectory"/>.</summary>
    public static FakeMxProcess StartIn(string workingDirectory, params string[] arguments) =>
        Start(arguments, workingDirectory: workingDirectory);

    /// <summary>Runs <c>fakemx</c> to completion and returns its exit code.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) =>
        RunInAsync(Directory.GetCurrentDirectory(), arguments);

    /// <summary>Runs <c>fakemx</c> in <paramref name="workingDirectory"/> to completion.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunInAsync(
        string workingDirectory,
        params string[] arguments)
    {
        await using var process = Start(arguments, workingDirectory: workingDirectory);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, process.Stdout, process.Stderr);
    }

    /// <summary>Waits for the LISTEN log line and returns the SMTP port it names.</summary>
    public Task<int> WaitForSmtpPortAsync(TimeSpan? timeout = null) => WaitForPortAsync(ListenLine(), timeout);

    /// <summary>Waits for the web endpoint's LISTEN log line and returns the port it names.</summary>
    public Task<int> WaitForHttpPortAsync(TimeSpan? timeout = null) => WaitForPortAsync(HttpListenLine(), timeout);

    private async Task<int> WaitForPortAsync(Regex listenLine, TimeSpan? timeout)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var match = listenLine.Match(Stdout);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value);
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"fakemx exited {_process.ExitCode}: {Stderr}\n{Stdout}");
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"fakemx did not start listening: {Stderr}\n{Stdout}");
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

        throw new TimeoutException($"no matching line; stdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Sends <paramref name="signal"/> (15 SIGTERM, 9 SIGKILL) to this process only.</summary>
    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString()]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static void Keep(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }

    [GeneratedRegex(@"LISTEN smtp on [^\s]*:(\d+)")]
    private static partial Regex ListenLine();

    [GeneratedRegex(@"LISTEN http on [^\s]*:(\d+)")]
    private static partial Regex HttpListenLine();
}
