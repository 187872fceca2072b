using System.Text.Json;
using FakeMx.EndToEnd.Support;

namespace FakeMx.EndToEnd.Check;

/// <summary>
/// <c>fakemx check</c>, the built executable, asking dnsmasq about good and broken MX layouts,
/// and probing a real MX (smtp-sink) and FakeMX on loopback.
/// </summary>
public sealed class CheckCommandTests(CheckZones zones) : IClassFixture<CheckZones>
{
    [Fact]
    public async Task A_FakeMx_that_is_strictly_the_least_preferred_MX_passes()
    {
        var (exit, report) = await CheckJsonAsync("good.test", "--fakemx", "fakemx.good.test");

        Assert.Equal(0, exit);
        Assert.Equal(["fakemx-least-preferred"], Codes(report));
        var hosts = report.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["mx.good.test", "fakemx.good.test"], hosts.Select(h => h.GetProperty("name").GetString()));
        Assert.Equal(CheckZones.FakeMx, hosts[1].GetProperty("ipv4")[0].GetString());
        Assert.True(hosts[1].GetProperty("isFakeMx").GetBoolean());
    }

    [Theory]
    [InlineData("notlowest.test", "fakemx-not-least-preferred")]
    [InlineData("tied.test", "fakemx-shares-preference")]
    [InlineData("alone.test", "fakemx-only-mx")]
    [InlineData("cname.test", "mx-cname")]
    [InlineData("noaddress.test", "mx-unresolved")]
    [InlineData("literal.test", "mx-ip-literal")]
    [InlineData("null.test", "null-mx")]
    [InlineData("nolisting.test", "fakemx-not-least-preferred")]
    public async Task A_broken_layout_is_reported_as_a_problem_with_exit_code_1(string domain, string code)
    {
        var (exit, report) = await CheckJsonAsync(domain, "--fakemx", "fakemx.good.test");

        Assert.Equal(1, exit);
        Assert.Contains(code, Problems(report));
    }

    [Fact]
    public async Task The_text_report_lists_the_MX_records_and_names_each_problem()
    {
        var result = await CheckAsync("cname.test", "--fakemx", "fakemx.good.test");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("alias.cname.test", result.Stdout);
        Assert.Contains("CNAME mx.good.test", result.Stdout);
        Assert.Contains("PROBLEM MX 10 alias.cname.test is an alias", result.Stdout);
        Assert.Contains("Result: 1 problem", result.Stdout);
    }

    [Fact]
    public async Task A_domain_without_a_named_or_probed_FakeMx_is_a_problem()
    {
        var (exit, report) = await CheckJsonAsync("good.test");

        Assert.Equal(1, exit);
        Assert.Equal(["no-fakemx"], Problems(report));
    }

    [Fact]
    public async Task The_nolisting_layout_passes_with_a_warning_about_its_risks()
    {
        var (exit, report) = await CheckJsonAsync("nolisting.test", "--nolisting", "--fakemx", "fakemx.good.test");

        Assert.Equal(0, exit);
        Assert.Contains("nolisting-fakemx-most-preferred", Codes(report));
        Assert.Contains("nolisting-risk", Codes(report));
        Assert.Empty(Problems(report));
    }

    [Fact]
    public async Task The_backup_layout_fails_the_nolisting_check()
    {
        var (exit, report) = await CheckJsonAsync("good.test", "--nolisting", "--fakemx", "fakemx.good.test");

        Assert.Equal(1, exit);
        Assert.Contains("nolisting-fakemx-not-most-preferred", Problems(report));
    }

    [Fact]
    public async Task Probing_shows_the_banners_and_that_FakeMx_answers_with_a_temporary_failure()
    {
        await using var fakemx = await zones.StartFakeMxAsync("data");

        var (exit, report) = await CheckJsonAsync("good.test", "--probe", "--fakemx", "fakemx.good.test");

        Assert.Equal(0, exit);
        Assert.Contains("fakemx-temporary-failure", Codes(report));
        var hosts = report.GetProperty("hosts").EnumerateArray().ToList();
        var real = hosts[0].GetProperty("probes")[0];
        Assert.StartsWith("220 mx.good.test", real.GetProperty("banner").GetString());
        Assert.Equal(["connect", "EHLO", "QUIT"], Steps(real));
        var fake = hosts[1].GetProperty("probes")[0];
        Assert.StartsWith("220 fakemx.good.test", fake.GetProperty("banner").GetString());
        Assert.False(fake.GetProperty("startTls").GetBoolean());
        Assert.Equal(["connect", "EHLO", "MAIL FROM", "RCPT TO", "DATA", "QUIT"], Steps(fake));
        Assert.StartsWith("451 4.7.1", fake.GetProperty("steps")[4].GetProperty("reply").GetString());
    }

    [Fact]
    public async Task Probing_recognises_FakeMx_by_its_temporary_failure_when_it_is_not_named()
    {
        await using var fakemx = await zones.StartFakeMxAsync("rcpt");

        var (exit, report) = await CheckJsonAsync("good.test", "--probe");

        Assert.Equal(0, exit);
        var hosts = report.GetProperty("hosts").EnumerateArray().ToList();
        Assert.False(hosts[0].GetProperty("isFakeMx").GetBoolean());
        Assert.Equal("probe", hosts[1].GetProperty("identifiedBy").GetString());
    }

    [Fact]
    public async Task A_nolisting_FakeMx_that_does_not_refuse_at_connect_is_a_problem()
    {
        await using var fakemx = await zones.StartFakeMxAsync("rcpt");

        var (exit, report) = await CheckJsonAsync(
            "nolisting.test", "--nolisting", "--probe", "--fakemx", "fakemx.good.test");

        Assert.Equal(1, exit);
        Assert.Equal(["nolisting-not-refusing-at-connect"], Problems(report));
    }

    [Fact]
    public async Task A_nolisting_FakeMx_refusing_at_connect_passes_the_probe()
    {
        await using var fakemx = await zones.StartFakeMxAsync("connect");

        var (exit, report) = await CheckJsonAsync(
            "nolisting.test", "--nolisting", "--probe", "--fakemx", "fakemx.good.test");

        Assert.Equal(0, exit);
        Assert.Contains("fakemx-temporary-failure", Codes(report));
    }

    [Fact]
    public async Task A_FakeMx_that_is_down_is_a_problem_when_probed()
    {
        var (exit, report) = await CheckJsonAsync("good.test", "--probe", "--fakemx", "fakemx.good.test");

        Assert.Equal(1, exit);
        Assert.Equal(["fakemx-unreachable"], Problems(report));
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("good.test", "--port", "0")]
    [InlineData("good.test", "--dns-server", "resolver")]
    [InlineData("good.test", "--timeout", "soon")]
    [InlineData("good.test", "--no-such-flag")]
    public async Task Bad_arguments_get_a_clear_message_and_exit_code_2(params string[] arguments)
    {
        var result = await Command.RunAsync(Repo.FakeMxExecutable, ["check", .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("fakemx: ", result.Stderr);
    }

    private Task<CommandResult> CheckAsync(string domain, params string[] arguments) =>
        Command.RunAsync(Repo.FakeMxExecutable,
            ["check", domain, "--dns-server", zones.Dns.Server, "--port", zones.SmtpPort.ToString(),
             "--timeout", "3s", .. arguments]);

    private async Task<(int Exit, JsonElement Report)> CheckJsonAsync(string domain, params string[] arguments)
    {
        var result = await CheckAsync(domain, ["--json", .. arguments]);
        Assert.True(result.ExitCode is 0 or 1, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        return (result.ExitCode, json.RootElement.Clone());
    }

    private static List<string> Codes(JsonElement report) =>
        [.. report.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()!)];

    private static List<string> Problems(JsonElement report) =>
        [.. report.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "problem")
            .Select(f => f.GetProperty("code").GetString()!)];

    private static List<string> Steps(JsonElement probe) =>
        [.. probe.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("command").GetString()!)];
}
