using System.Diagnostics;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Server;

/// <summary>swaks, a real external SMTP client, against the real server.</summary>
public sealed class SwaksTests
{
    [Theory]
    [InlineData("mail", "MAIL FROM", 23)]
    [InlineData("rcpt", "RCPT TO", 24)]
    [InlineData("data", "DATA", 25)]
    public async Task Swaks_sees_451_at_the_configured_stage(string stage, string command, int swaksExit)
    {
        await using var server = await RunningServer.StartAsync(("Smtp:DeferAt", stage));

        var (exitCode, transcript) = await SwaksAsync(server.Port);

        Assert.Equal(swaksExit, exitCode);
        var lines = transcript.Split('\n');
        var failure = Array.FindIndex(lines, l => l.StartsWith("<** 451 4.7.1 ", StringComparison.Ordinal));
        Assert.True(failure > 0, transcript);
        Assert.Contains(command, lines[failure - 1]);
        Assert.DoesNotContain(lines, l => l.StartsWith("<-  354", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("helo")]
    public async Task Swaks_sees_421_at_connect_and_helo(string stage)
    {
        await using var server = await RunningServer.StartAsync(("Smtp:DeferAt", stage));

        var (exitCode, transcript) = await SwaksAsync(server.Port);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("<** 421 4.7.0 mx.fakemx.test ", transcript);
        Assert.DoesNotContain("MAIL FROM", transcript);
    }

    internal static async Task<(int ExitCode, string Transcript)> SwaksAsync(int port, params string[] extra)
    {
        var start = new ProcessStartInfo("swaks")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--server", $"127.0.0.1:{port}", "--to", "user@example.test",
            "--from", "sender@example.org", "--timeout", "20" }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        using var swaks = Process.Start(start) ?? throw new InvalidOperationException("swaks is not installed");
        var stdout = swaks.StandardOutput.ReadToEndAsync();
        var stderr = swaks.StandardError.ReadToEndAsync();
        await swaks.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return (swaks.ExitCode, await stdout + await stderr);
    }
}
