using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class IpNetworkTests
{
    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("2001:DB8::/32", "2001:db8::/32")]
    [InlineData("::ffff:192.0.2.9", "192.0.2.9/32")]
    [InlineData("::ffff:192.0.2.0/120", "192.0.2.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Addresses_and_networks_parse_to_their_canonical_form(string text, string canonical)
    {
        Assert.Equal(canonical, IpNetwork.Parse(text).ToCidrString());
    }

    [Theory]
    [InlineData("192.0.2.7/24", "host bits")]
    [InlineData("192.0.2.0/33", "prefix length")]
    [InlineData("192.0.2.0/-1", "prefix length")]
    [InlineData("192.0.2", "not an IPv4")]
    [InlineData("fe80::1%eth0", "not an IPv4")]
    [InlineData("example.org", "not an IPv4")]
    [InlineData("", "empty")]
    public void Bad_input_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(IpNetwork.TryParse(text, out _, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Containment_and_overlap_respect_family_and_bounds()
    {
        var net = IpNetwork.Parse("10.0.0.0/8");
        Assert.True(net.Contains(IpNetwork.Parse("10.255.255.255")));
        Assert.False(net.Contains(IpNetwork.Parse("11.0.0.0")));
        Assert.False(net.Contains(IpNetwork.Parse("::a00:0")));
        Assert.True(IpNetwork.Parse("10.1.0.0/16").Overlaps(net));
        Assert.Equal(UInt128.MaxValue, IpNetwork.Parse("ffff::/16").Last);
        Assert.Equal((UInt128)uint.MaxValue, IpNetwork.Parse("255.0.0.0/8").Last);
    }

    [Fact]
    public void Client_networks_are_24s_and_48s()
    {
        Assert.Equal("192.0.2.0/24", IpNetwork.Parse("192.0.2.200").ClientNetwork.ToCidrString());
        Assert.Equal("2001:db8:1::/48", IpNetwork.Parse("2001:db8:1:2::5").ClientNetwork.ToCidrString());
    }
}
