using System.Text;
using System.Text.Json;
using FakeMx.Events;
using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

/// <summary>Each export format loaded into the program that consumes it on a mail server.</summary>
public sealed class ExportConsumerTests
{
    private static readonly SessionEvent[] Recorded =
    [
        Sessions.Make("192.0.2.10", TimeSpan.FromHours(1)),
        Sessions.Make("192.0.2.11", TimeSpan.FromHours(2)),
        Sessions.Make("198.51.100.7", TimeSpan.FromHours(3), pregreet: true),
        Sessions.Make("203.0.113.5", TimeSpan.FromHours(4)),
        Sessions.Make("2001:db8:aa::1", TimeSpan.FromHours(5)),
        Sessions.Make("2001:db8:bb::9", TimeSpan.FromHours(6)),
        Sessions.Make("2001:db8:cc::5", TimeSpan.FromHours(7)),
    ];

    // 203.0.113.5 is on the allow list; 2001:db8:cc::7 (same /64 as a bot) is too.
    private static readonly ExportCriteria Criteria = new()
    {
        AllowList = AllowList("203.0.113.0/28\n2001:db8:cc::7\n"),
        RejectText = "Go away, decoy MX visitor",
    };

    [Fact]
    public async Task Postmap_finds_listed_clients_and_not_others_in_the_postfix_table()
    {
        var directory = Tool.TempDirectory("postfix-table");
        try
        {
            var table = Path.Combine(directory, "fakemx.cidr");
            await WriteAsync(table, ExportFormat.Postfix, Criteria);

            async Task<string> LookupAsync(string address)
            {
                var result = await Tool.RunAsync(Tool.Require("/usr/sbin/postmap"), "-q", address, $"cidr:{table}");
                Assert.True(result.ExitCode is 0 or 1, result.Output);
                Assert.DoesNotContain("warning", result.Stderr);
                return result.Stdout.Trim();
            }

            Assert.Equal("REJECT Go away, decoy MX visitor", await LookupAsync("192.0.2.10"));
            Assert.Equal("REJECT Go away, decoy MX visitor", await LookupAsync("192.0.2.11"));
            Assert.Equal("REJECT Go away, decoy MX visitor", await LookupAsync("2001:db8:bb::9"));
            Assert.Equal(string.Empty, await LookupAsync("192.0.2.12"));
            Assert.Equal(string.Empty, await LookupAsync("203.0.113.5"));
            Assert.Equal(string.Empty, await LookupAsync("2001:db8:bb::a"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Postconf_accepts_the_table_in_check_client_access_of_a_private_config()
    {
        var directory = Tool.TempDirectory("postfix-config");
        try
        {
            var table = Path.Combine(directory, "fakemx.cidr");
            await WriteAsync(table, ExportFormat.Postfix, Criteria);
            File.Copy("/etc/postfix/master.cf", Path.Combine(directory, "master.cf"));
            File.WriteAllText(Path.Combine(directory, "main.cf"), "compatibility_level = 3.6\n");
            var postconf = Tool.Require("/usr/sbin/postconf");

            var set = await Tool.RunAsync(postconf, "-c", directory, "-e",
                $"smtpd_client_restrictions = check_client_access cidr:{table}, permit");
            Assert.Equal(0, set.ExitCode);

            var shown = await Tool.RunAsync(postconf, "-c", directory, "-n", "smtpd_client_restrictions");
            Assert.Equal($"smtpd_client_restrictions = check_client_access cidr:{table}, permit", shown.Stdout.Trim());

            // postmap -q with the same config dir reads the table as smtpd would.
            var lookup = await Tool.RunAsync(Tool.Require("/usr/sbin/postmap"), "-c", directory, "-q",
                "198.51.100.7", $"cidr:{table}");
            Assert.Equal("REJECT Go away, decoy MX visitor", lookup.Stdout.Trim());
            Assert.Equal(string.Empty, lookup.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Rbldnsd_serves_listed_IPv4_and_IPv6_clients_and_not_others()
    {
        var directory = Tool.TempDirectory("rbldnsd");
        var port = Tool.FreeUdpPort();
        System.Diagnostics.Process? rbldnsd = null;
        try
        {
            await WriteAsync(Path.Combine(directory, "v4.zone"), ExportFormat.Rbldnsd,
                Criteria with { Family = AddressFamilyFilter.Ipv4 });
            await WriteAsync(Path.Combine(directory, "v6.zone"), ExportFormat.Rbldnsd,
                Criteria with { Family = AddressFamilyFilter.Ipv6 });

            var info = new System.Diagnostics.ProcessStartInfo(Tool.Require("/usr/sbin/rbldnsd"))
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var argument in new[]
            {
                "-n", "-r", directory, "-w", "/", "-b", $"127.0.0.1/{port}",
                "bl.fakemx.test:ip4set:v4.zone", "bl.fakemx.test:ip6tset:v6.zone",
            })
            {
                info.ArgumentList.Add(argument);
            }

            rbldnsd = System.Diagnostics.Process.Start(info)!;
            var dig = Tool.Require("/usr/bin/dig");

            async Task<string> QueryAsync(string name, string type = "A")
            {
                var result = await Tool.RunAsync(dig, "@127.0.0.1", "-p", port.ToString(), "+short", "+time=1",
                    "+tries=1", $"{name}.bl.fakemx.test", type);
                return result.Stdout.Trim();
            }

            // Ready when the zone answers its own listed address; bounded at 10 s.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await QueryAsync("10.2.0.192") != "127.0.0.2")
            {
                Assert.False(rbldnsd.HasExited, "rbldnsd exited: " + await rbldnsd.StandardError.ReadToEndAsync());
                Assert.True(DateTime.UtcNow < deadline, "rbldnsd did not answer within 10 s");
                await Task.Delay(100);
            }

            Assert.Equal("127.0.0.2", await QueryAsync("7.100.51.198"));
            Assert.Equal("\"Go away, decoy MX visitor\"", await QueryAsync("7.100.51.198", "TXT"));
            Assert.Equal(string.Empty, await QueryAsync("12.2.0.192"));
            Assert.Equal(string.Empty, await QueryAsync("5.113.0.203"));

            Assert.Equal("127.0.0.2", await QueryAsync(Reverse6("2001:db8:aa::1")));
            Assert.Equal("127.0.0.2", await QueryAsync(Reverse6("2001:db8:aa::ffff")));
            Assert.Equal("127.0.0.2", await QueryAsync(Reverse6("2001:db8:cc::5")));
            Assert.Equal(string.Empty, await QueryAsync(Reverse6("2001:db8:cc::7")));
            Assert.Equal(string.Empty, await QueryAsync(Reverse6("2001:db8:dd::1")));
        }
        finally
        {
            if (rbldnsd is { HasExited: false })
            {
                rbldnsd.Kill();
                await rbldnsd.WaitForExitAsync();
            }

            rbldnsd?.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Nft_accepts_the_set_file_in_check_mode()
    {
        var directory = Tool.TempDirectory("nft");
        try
        {
            var file = Path.Combine(directory, "fakemx.nft");
            await WriteAsync(file, ExportFormat.Nftables, Criteria);

            var check = await Tool.RunAsync(Tool.Require("/usr/sbin/nft"), "-c", "-f", file);

            Assert.True(check.ExitCode == 0, check.Output + "\n" + File.ReadAllText(file));
            var text = File.ReadAllText(file);
            Assert.Contains("192.0.2.10/31", text);
            Assert.DoesNotContain("203.0.113.5", text);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Nft_accepts_an_empty_export_in_check_mode()
    {
        var directory = Tool.TempDirectory("nft-empty");
        try
        {
            var file = Path.Combine(directory, "fakemx.nft");
            var selection = ExportSelection.Select([], Criteria, Sessions.Now);
            await AtomicFile.WriteAsync(file, ExportFormatter.ToBytes(ExportFormat.Nftables, selection, Criteria),
                CancellationToken.None);

            var check = await Tool.RunAsync(Tool.Require("/usr/sbin/nft"), "-c", "-f", file);

            Assert.True(check.ExitCode == 0, check.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Csv_parses_back_into_the_sessions_with_hostile_text_intact()
    {
        var hostile = Sessions.Make("192.0.2.99", TimeSpan.FromMinutes(5), helo: "a,\"b\"\r\nc", from: " x@y.example");
        var selection = ExportSelection.Select([.. Recorded, hostile], Criteria, Sessions.Now);

        var text = Encoding.UTF8.GetString(ExportFormatter.ToBytes(ExportFormat.Csv, selection, Criteria));
        var records = Csv.Parse(text);

        Assert.Equal(ExportFormatter.CsvColumns, records[0]);
        Assert.Equal(selection.Sessions.Count + 1, records.Count);
        Assert.All(records, r => Assert.Equal(ExportFormatter.CsvColumns.Count, r.Count));
        var row = records.Single(r => r[5] == "192.0.2.99");
        Assert.Equal("a,\"b\"\r\nc", row[13]);
        Assert.Equal(" x@y.example", row[14]);
        Assert.Equal("deferred", row[21]);
        Assert.DoesNotContain(records, r => r[5] == "203.0.113.5");
        Assert.EndsWith("\r\n", text);
    }

    [Fact]
    public void Json_parses_back_into_the_matching_sessions()
    {
        var selection = ExportSelection.Select(Recorded, Criteria with { PregreetOnly = true }, Sessions.Now);

        var bytes = ExportFormatter.ToBytes(ExportFormat.Json, selection, Criteria);
        using var document = JsonDocument.Parse(bytes);

        var session = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("198.51.100.7", session.GetProperty("clientIp").GetString());
        Assert.True(session.GetProperty("pregreet").GetBoolean());
        Assert.Equal("data", session.GetProperty("stage").GetString());
        Assert.Equal("user@example.org", session.GetProperty("recipients")[0].GetString());
    }

    private static async Task WriteAsync(string path, ExportFormat format, ExportCriteria criteria)
    {
        var selection = ExportSelection.Select(Recorded, criteria, Sessions.Now);
        await AtomicFile.WriteAsync(path, ExportFormatter.ToBytes(format, selection, criteria), CancellationToken.None);
    }

    private static AddressListFile AllowList(string text)
    {
        var parsed = AddressListFile.TryParse(text, "allow", out var list, out var problems);
        Assert.True(parsed, string.Join("\n", problems));
        return list;
    }

    private static string Reverse6(string address)
    {
        var hex = Convert.ToHexString(System.Net.IPAddress.Parse(address).GetAddressBytes()).ToLowerInvariant();
        return string.Join('.', hex.Reverse());
    }
}
