namespace FakeMx.Reports;

/// <summary>
/// Reduces a set of networks to the fewest CIDR blocks that cover exactly the same addresses:
/// contained networks disappear into their parents, overlapping and adjacent ones merge, and
/// the union is cut back into aligned blocks. IPv4 and IPv6 are kept apart. The result is
/// sorted (IPv4 first) and is the unique minimal decomposition, so two runs over the same
/// addresses always print the same list.
/// </summary>
public static class CidrAggregator
{
    public static IReadOnlyList<IpNetwork> Aggregate(IEnumerable<IpNetwork> networks)
    {
        var result = new List<IpNetwork>();
        foreach (var family in networks.GroupBy(n => n.IsV6).OrderBy(g => g.Key))
        {
            foreach (var (first, last) in MergeRanges(family))
            {
                AddBlocks(family.Key, first, last, result);
            }
        }

        return result;
    }

    /// <summary>Sorted, disjoint, non-adjacent [first, last] ranges covering the input.</summary>
    private static List<(UInt128 First, UInt128 Last)> MergeRanges(IEnumerable<IpNetwork> networks)
    {
        var merged = new List<(UInt128 First, UInt128 Last)>();
        foreach (var network in networks.OrderBy(n => n.First))
        {
            if (merged.Count > 0)
            {
                var (first, last) = merged[^1];

                // Adjacent when the next range starts right after this one; the comparison is
                // written so that last + 1 cannot overflow at the top of the address space.
                if (network.First <= last || network.First - 1 == last)
                {
                    merged[^1] = (first, network.Last > last ? network.Last : last);
                    continue;
                }
            }

            merged.Add((network.First, network.Last));
        }

        return merged;
    }

    /// <summary>Cuts [first, last] into the largest aligned blocks, left to right.</summary>
    private static void AddBlocks(bool isV6, UInt128 first, UInt128 last, List<IpNetwork> into)
    {
        var length = isV6 ? 128 : 32;
        while (true)
        {
            // The widest block that starts at `first` is limited by its alignment (trailing
            // zero bits) and by the end of the range.
            var hostBits = first == 0 ? length : Math.Min(length, (int)UInt128.TrailingZeroCount(first));
            while (hostBits > 0 && BlockLast(first, hostBits) > last)
            {
                hostBits--;
            }

            var block = IpNetwork.FromBits(isV6, first, length - hostBits);
            into.Add(block);
            if (block.Last >= last)
            {
                return;
            }

            first = block.Last + 1;
        }
    }

    private static UInt128 BlockLast(UInt128 first, int hostBits) =>
        hostBits >= 128 ? UInt128.MaxValue : first | ((UInt128.One << hostBits) - 1);
}
