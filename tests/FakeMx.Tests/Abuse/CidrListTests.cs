using System.Net;
using FakeMx.Server;

namespace FakeMx.Tests.Abuse;

/// <summary>CIDR sets, list files and rate specifications.</summary>
public sealed class CidrListTests
{
    [Fact]
    public void A_list_matches_addresses_inside_its_networks_and_no_others()
    {
        Assert.True(CidrListFile.TryParse("deny.txt",
        [
            "# monitoring and friends",
            "192.0.2.0/24",
            "198.51.100.7      # one host",
            "",
            "2001:db8:1::/48",
            "203.0.113.77/20",
        ], out var set, out var problem), problem);

        Assert.Equal(4, set.Count);
        Assert.True(set.Contains(IPAddress.Parse("192.0.2.200")));
        Assert.False(set.Contains(IPAddress.Parse("192.0.3.1")));
        Assert.True(set.Contains(IPAddress.Parse("198.51.100.7")));
        Assert.False(set.Contains(IPAddress.Parse("198.51.100.8")));
        Assert.True(set.Contains(IPAddress.Parse("2001:db8:1:ffff::1")));
        Assert.False(set.Contains(IPAddress.Parse("2001:db8:2::1")));
        Assert.True(set.Contains(IPAddress.Parse("203.0.112.1")), "host bits past the prefix are cleared");
        Assert.True(set.Contains(IPAddress.Parse("::ffff:192.0.2.9")), "IPv4-mapped clients match IPv4 entries");
    }

    [Theory]
    [InlineData("10.0.0.0/33", 2)]
    [InlineData("not-an-address", 2)]
    [InlineData("10.0.0.0/x", 2)]
    [InlineData("fe80::1%eth0", 2)]
    public void A_bad_line_is_reported_with_its_file_and_line(string bad, int line)
    {
        Assert.False(CidrListFile.TryParse("/etc/fakemx/deny.txt", ["10.0.0.0/8", bad], out _, out var problem));
        Assert.StartsWith($"/etc/fakemx/deny.txt:{line}: ", problem);
    }

    [Fact]
    public void A_zero_prefix_matches_everything_of_its_family()
    {
        Assert.True(CidrListFile.TryParse("all.txt", ["0.0.0.0/0"], out var set, out _));
        Assert.True(set.Contains(IPAddress.Parse("8.8.8.8")));
        Assert.False(set.Contains(IPAddress.Parse("2001:db8::1")));
    }

    [Theory]
    [InlineData("30/1m", 30, 60)]
    [InlineData("5/10s", 5, 10)]
    [InlineData("100/h", 100, 3600)]
    public void Rates_read_as_count_per_period(string text, int count, int seconds)
    {
        Assert.True(RateSpec.TryParse(text, out var rate, out var problem), problem);
        Assert.Equal(count, rate.Count);
        Assert.Equal(TimeSpan.FromSeconds(seconds), rate.Period);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("0")]
    [InlineData("")]
    public void Rates_can_be_off(string text)
    {
        Assert.True(RateSpec.TryParse(text, out var rate, out _));
        Assert.True(rate.IsOff);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("x/1m")]
    [InlineData("30/soon")]
    [InlineData("30/1ms")]
    [InlineData("-1/1m")]
    public void Bad_rates_say_what_is_expected(string text)
    {
        Assert.False(RateSpec.TryParse(text, out _, out var problem));
        Assert.Contains("N/PERIOD", problem);
    }

    [Fact]
    public void Networks_are_slash_24_for_ipv4_and_slash_64_for_ipv6()
    {
        Assert.Equal(Network("192.0.2.1"), Network("192.0.2.254"));
        Assert.NotEqual(Network("192.0.2.1"), Network("192.0.3.1"));
        Assert.Equal(Network("2001:db8::1"), Network("2001:db8::ffff:1"));
        Assert.NotEqual(Network("2001:db8::1"), Network("2001:db8:0:1::1"));
    }

    private static NetworkKey Network(string address) => NetworkKey.NetworkOf(IPAddress.Parse(address));
}
