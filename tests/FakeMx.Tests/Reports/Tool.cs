using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FakeMx.Tests.Reports;

/// <summary>Runs the real programs the report tests feed (postmap, nft, rbldnsd, dig, Postfix).</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>Runs a program to completion, failing the test if it takes longer than 60 s.</summary>
    public static async Task<Result> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran over 60 s");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A program that must exist on this machine: a missing peer fails the test.</summary>
    public static string Require(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing; scripts/test.sh installs it");
        return path;
    }

    /// <summary>A UDP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A fresh directory under /tmp, traversable and readable by other users (rbldnsd
    /// and Postfix drop privileges).</summary>
    public static string TempDirectory(string purpose)
    {
        var path = Path.Combine("/tmp", $"fakemx-{purpose}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }

        return path;
    }
}
