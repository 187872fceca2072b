using System.Text.Json;
using FakeMx.Events;
using FakeMx.Reports;
using FakeMx.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace FakeMx.Tests.Reports;

/// <summary><c>fakemx export</c> and <c>fakemx report domains</c> as a process, over a real SQLite store.</summary>
public sealed class ExportCommandTests : IAsyncLifetime
{
    private readonly string _directory = Tool.TempDirectory("export-cli");

    private string Database => Path.Combine(_directory, "fakemx.db");

    public async Task InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(StoreLocation.TryParse(Database, out var location, out _));
        await using var store = EventStores.Create(location);
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteBatchAsync(
        [
            Sessions.Make("192.0.2.10", TimeSpan.FromHours(1), now: now),
            Sessions.Make("192.0.2.10", TimeSpan.FromHours(2), now: now),
            Sessions.Make("192.0.2.11", TimeSpan.FromHours(3), pregreet: true, now: now),
            Sessions.Make("203.0.113.5", TimeSpan.FromHours(4), now: now),
            Sessions.Make("2001:db8::1", TimeSpan.FromHours(5), to: ["x@other.example"], now: now),
            Sessions.Make("198.51.100.1", TimeSpan.FromDays(9), now: now),
        ], CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Cidr_export_to_a_file_is_aggregated_allow_listed_and_leaves_no_temporary_file()
    {
        var allow = Path.Combine(_directory, "allow.txt");
        await File.WriteAllTextAsync(allow, "# partners\n203.0.113.0/24\n");
        var output = Path.Combine(_directory, "out", "fakemx.cidr");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, "old content\n");

        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("export", "--format", "cidr",
            "--allow-list", allow, "--output", output, "--store", Database);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("192.0.2.10/31\n2001:db8::1/128\n", await File.ReadAllTextAsync(output));
        Assert.Equal(["fakemx.cidr"], Directory.GetFiles(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Min_sessions_pregreet_only_and_since_narrow_the_plain_list()
    {
        var twice = await FakeMxProcess.RunAsync("export", "--format", "plain", "--min-sessions", "2",
            "--store", Database);
        var early = await FakeMxProcess.RunAsync("export", "--format", "plain", "--pregreet-only", "--store", Database);
        var month = await FakeMxProcess.RunAsync("export", "--format", "plain", "--since", "30d", "--store", Database);

        Assert.Equal("192.0.2.10", twice.Stdout.Trim());
        Assert.Equal("192.0.2.11", early.Stdout.Trim());
        Assert.Contains("198.51.100.1", month.Stdout.Split('\n'));
        Assert.Equal(5, month.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("--format,yaml", "'yaml' is not a format")]
    [InlineData("--format,plain,--since,soon", "--since: 'soon' is not a duration")]
    [InlineData("--format,plain,--min-sessions,0", "--min-sessions: '0'")]
    [InlineData("--format,rbldnsd", "--format rbldnsd needs --family")]
    [InlineData("--format,plain,--family,ipx", "--family: 'ipx'")]
    [InlineData("--format,plain,--allow-list,/nonexistent/allow", "--allow-list: /nonexistent/allow")]
    [InlineData("--format,plain,--output,/nonexistent/dir/file", "--output: the directory")]
    [InlineData("--format,plain,--store,/nonexistent/fakemx.db", "--store: '/nonexistent/fakemx.db' does not exist")]
    [InlineData("--since,7d", "'--format' is required")]
    public async Task Bad_arguments_are_named_and_exit_with_2(string arguments, string message)
    {
        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync(["export", .. arguments.Split(',')]);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("fakemx: ", stderr);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task A_bad_allow_list_line_stops_the_export()
    {
        var allow = Path.Combine(_directory, "bad-allow.txt");
        await File.WriteAllTextAsync(allow, "192.0.2.0/24\nnot-an-address\n");

        var (exitCode, _, stderr) = await FakeMxProcess.RunAsync("export", "--format", "plain", "--allow-list", allow,
            "--store", Database);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{allow}:2: 'not-an-address' is not an IPv4 or IPv6 address", stderr);
    }

    [Fact]
    public async Task Report_domains_json_reads_the_store()
    {
        var (exitCode, stdout, stderr) = await FakeMxProcess.RunAsync("report", "domains", "--since", "7d", "--json",
            "--store", Database);

        Assert.True(exitCode == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var domains = json.RootElement.GetProperty("domains");
        Assert.Equal("example.org", domains[0].GetProperty("domain").GetString());
        Assert.Equal(4, domains[0].GetProperty("sessions").GetInt64());
        Assert.Equal(3, domains[0].GetProperty("uniqueClients").GetInt64());
        Assert.Equal("other.example", domains[1].GetProperty("domain").GetString());
        Assert.Equal(8, domains[0].GetProperty("trend").GetArrayLength());
    }
}
