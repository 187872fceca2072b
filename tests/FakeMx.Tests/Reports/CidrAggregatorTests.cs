using FakeMx.Reports;

namespace FakeMx.Tests.Reports;

public sealed class CidrAggregatorTests
{
    private static IReadOnlyList<string> Aggregate(params string[] networks) =>
        CidrAggregator.Aggregate(networks.Select(IpNetwork.Parse)).Select(n => n.ToCidrString()).ToList();

    [Fact]
    public void Adjacent_addresses_merge_into_their_aligned_block()
    {
        Assert.Equal(["192.0.2.0/30"], Aggregate("192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"));
    }

    [Fact]
    public void Adjacent_addresses_across_an_alignment_boundary_stay_two_blocks()
    {
        Assert.Equal(["192.0.2.1/32", "192.0.2.2/32"], Aggregate("192.0.2.2", "192.0.2.1"));
    }

    [Fact]
    public void A_contained_network_disappears_into_its_parent()
    {
        Assert.Equal(["10.0.0.0/8"], Aggregate("10.1.2.3", "10.0.0.0/8", "10.255.0.0/16"));
    }

    [Fact]
    public void Two_halves_merge_into_the_whole_address_space()
    {
        Assert.Equal(["0.0.0.0/0"], Aggregate("128.0.0.0/1", "0.0.0.0/1"));
        Assert.Equal(["::/0"], Aggregate("8000::/1", "::/1"));
    }

    [Fact]
    public void The_top_and_bottom_addresses_are_handled_without_overflow()
    {
        Assert.Equal(["255.255.255.254/31"], Aggregate("255.255.255.255", "255.255.255.254"));
        Assert.Equal(["0.0.0.0/31"], Aggregate("0.0.0.1", "0.0.0.0"));
        Assert.Equal(
            ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"],
            Aggregate("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
        Assert.Equal(["::/127"], Aggregate("::1", "::"));
    }

    [Fact]
    public void IPv4_and_IPv6_are_never_merged_and_IPv4_comes_first()
    {
        Assert.Equal(["0.0.0.0/32", "::/128"], Aggregate("::", "0.0.0.0"));
    }

    [Fact]
    public void IPv4_mapped_IPv6_addresses_are_read_as_IPv4()
    {
        Assert.Equal(["192.0.2.0/31"], Aggregate("::ffff:192.0.2.1", "192.0.2.0"));
    }

    [Fact]
    public void An_IPv6_run_of_four_64s_becomes_one_62()
    {
        Assert.Equal(
            ["2001:db8::/62"],
            Aggregate("2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/64", "2001:db8:0:3::/64"));
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(6, 2)]
    [InlineData(4, 3)]
    [InlineData(6, 4)]
    public void Aggregation_matches_a_brute_force_reference_on_random_small_sets(int family, int seed)
    {
        // Networks inside a universe of 64 addresses at the bottom of the family's space,
        // straddling its middle, or at its top, so the reference can enumerate every address.
        var random = new Random(seed);
        var isV6 = family == 6;
        var length = isV6 ? 128 : 32;
        var max = isV6 ? UInt128.MaxValue : uint.MaxValue;
        const int UniverseBits = 6;
        for (var round = 0; round < 300; round++)
        {
            UInt128 anchor = (round % 3) switch
            {
                0 => 0,
                1 => (max >> 1) + 1 - 32,
                _ => max - ((UInt128.One << UniverseBits) - 1),
            };
            var input = new List<IpNetwork>();
            var count = random.Next(0, 12);
            for (var i = 0; i < count; i++)
            {
                var prefix = length - random.Next(0, UniverseBits + 1);
                var offset = (UInt128)random.Next(0, 1 << UniverseBits);
                input.Add(IpNetwork.FromBits(isV6, (anchor + offset) & max, prefix));
            }

            var expected = Reference(input, isV6);
            var actual = CidrAggregator.Aggregate(input).ToList();

            Assert.Equal(expected.Select(n => n.ToCidrString()), actual.Select(n => n.ToCidrString()));
        }
    }

    /// <summary>Every covered address, then greedy widest aligned blocks: slow but obviously right.</summary>
    private static List<IpNetwork> Reference(List<IpNetwork> input, bool isV6)
    {
        var covered = new SortedSet<UInt128>();
        foreach (var network in input)
        {
            for (var a = network.First; ; a++)
            {
                covered.Add(a);
                if (a == network.Last)
                {
                    break;
                }
            }
        }

        var length = isV6 ? 128 : 32;
        var result = new List<IpNetwork>();
        var remaining = new SortedSet<UInt128>(covered);
        while (remaining.Count > 0)
        {
            var start = remaining.Min;
            var best = IpNetwork.FromBits(isV6, start, length);
            for (var prefix = length - 1; prefix >= length - 8; prefix--)
            {
                var candidate = IpNetwork.FromBits(isV6, start, prefix);
                if (candidate.First != start || !AllCovered(candidate, covered))
                {
                    break;
                }

                best = candidate;
            }

            for (var a = best.First; ; a++)
            {
                remaining.Remove(a);
                if (a == best.Last)
                {
                    break;
                }
            }

            result.Add(best);
        }

        return result;
    }

    private static bool AllCovered(IpNetwork network, SortedSet<UInt128> covered)
    {
        for (var a = network.First; ; a++)
        {
            if (!covered.Contains(a))
            {
                return false;
            }

            if (a == network.Last)
            {
                return true;
            }
        }
    }
}
