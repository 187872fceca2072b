using System.Diagnostics;

namespace FakeMx.EndToEnd.Support;

/// <summary>Runs a program to completion with a bounded wait, capturing its output.</summary>
public static class Command
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string? stdin = null,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var text = $"{program} {string.Join(' ', info.ArgumentList)}";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {text}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();

        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{text}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds}s");
        }

        return new CommandResult(text, process.ExitCode, await stdout, await stderr);
    }

    public static Task<CommandResult> RunAsync(string program, params string[] arguments) =>
        RunAsync(program, arguments, null, null);
}
