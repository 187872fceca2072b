using System.Diagnostics;
using System.Reflection;
using FakeMx.Hosting;
using FakeMx.Tests.Support;

namespace FakeMx.Tests.Deploy;

/// <summary>The pieces an operator installs: the systemd unit, the version, the log id list.</summary>
public sealed class ServiceTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_unit_without_a_warning()
    {
        var directory = Directory.CreateTempSubdirectory("fakemx-unit-").FullName;
        try
        {
            // The unit runs /opt/fakemx/fakemx; verify needs an executable there, so point it at
            // the binary this build produced.
            var unit = await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "fakemx.service"));
            var binary = Path.Combine(AppContext.BaseDirectory, "fakemx");
            Assert.True(File.Exists(binary), $"{binary} is missing");
            var path = Path.Combine(directory, "fakemx.service");
            await File.WriteAllTextAsync(path, unit.Replace("/opt/fakemx/fakemx ", binary + " "));

            var (exitCode, output) = await RunAsync("systemd-analyze", "verify", "--man=no", path);

            Assert.True(exitCode == 0, output);
            Assert.Equal(string.Empty, output.Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("Type=notify")]
    [InlineData("AmbientCapabilities=CAP_NET_BIND_SERVICE")]
    [InlineData("StateDirectory=fakemx")]
    [InlineData("--store /var/lib/fakemx/fakemx.db")]
    [InlineData("NoNewPrivileges=yes")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("SystemCallFilter=@system-service")]
    [InlineData("LimitNOFILE=65536")]
    [InlineData("Restart=on-failure")]
    public async Task The_unit_carries_the_service_settings(string line)
    {
        var unit = await File.ReadAllTextAsync(Path.Combine(Root, "deploy", "fakemx.service"));

        Assert.Contains(line, unit);

        // The .NET JIT needs pages that are writable and executable.
        Assert.DoesNotContain("\nMemoryDenyWriteExecute", unit);
    }

    [Fact]
    public async Task Version_prints_the_plain_version()
    {
        var (exitCode, stdout, _) = await FakeMxProcess.RunAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Equal("0.1.0", stdout.Trim());
    }

    [Fact]
    public async Task Every_log_event_id_is_listed_in_the_logging_docs_once()
    {
        var ids = typeof(LogEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, Id: (int)f.GetRawConstantValue()!))
            .ToList();
        var docs = await File.ReadAllTextAsync(Path.Combine(Root, "docs", "logging.md"));

        Assert.Equal(ids.Count, ids.Select(i => i.Id).Distinct().Count());
        foreach (var (name, id) in ids)
        {
            Assert.Contains($"| {id} | `{name}` |", docs);
        }
    }

    [Fact]
    public async Task Json_log_format_writes_one_json_object_per_line_with_the_event_id()
    {
        var directory = Directory.CreateTempSubdirectory("fakemx-jsonlog-").FullName;
        try
        {
            await using var process = FakeMxProcess.Start(["serve", "--listen", "127.0.0.1:0", "--log-format", "json",
                "--store", Path.Combine(directory, "e.db")]);
            await process.WaitForHttpPortAsync();
            var port = await process.WaitForSmtpPortAsync();
            await SmtpSessions.QuitAtOnceAsync(port);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!process.Stdout.Contains("\"EventId\":1100") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(25);
            }

            var lines = process.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                Assert.True(json.RootElement.TryGetProperty("EventId", out _), line);
                Assert.True(json.RootElement.TryGetProperty("Timestamp", out _), line);
            }

            Assert.Contains(lines, l => l.Contains("\"EventId\":1100") && l.Contains("SESSION "));
            Assert.Contains(lines, l => l.Contains("\"EventId\":3000"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null;
             directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FakeMx.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository root (FakeMx.slnx) is not above the test binaries");
    }
}
