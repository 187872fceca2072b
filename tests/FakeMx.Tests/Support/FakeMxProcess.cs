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

    public string Stderr => string.Join("\n", _stderr);

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "fakemx.dll");

    /// <summary>Starts <c>fakemx</c> with <paramref name="arguments"/>, optionally as another user.</summary>
    public static FakeMxProcess Start(IEnumerable<string> arguments, string? user = null, string? workingDirectory = null)
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
        return new FakeMxProcess(Process.Start(start)!);
    }

    /// <summary>Runs <c>fakemx</c> to completion and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        await using var process = Start(arguments);
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

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, Pid.ToString()]);
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
