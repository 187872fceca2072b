using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// The outcome of applying <see cref="ExportCriteria"/> to stored sessions: the addresses to
/// list and the sessions behind them. Allow-listed addresses are dropped here, before any
/// format sees them, so no format can leak one.
/// </summary>
public sealed class ExportSelection
{
    private ExportSelection(
        DateTimeOffset since,
        DateTimeOffset generated,
        IReadOnlyList<ListedAddress> addresses,
        IReadOnlyList<SessionEvent> sessions,
        int allowListed,
        int unreadable)
    {
        Since = since;
        Generated = generated;
        Addresses = addresses;
        Sessions = sessions;
        AllowListed = allowListed;
        Unreadable = unreadable;
    }

    public DateTimeOffset Since { get; }

    public DateTimeOffset Generated { get; }

    /// <summary>The listed addresses, sorted (IPv4 first).</summary>
    public IReadOnlyList<ListedAddress> Addresses { get; }

    /// <summary>The matching sessions of the listed addresses, oldest first.</summary>
    public IReadOnlyList<SessionEvent> Sessions { get; }

    /// <summary>Addresses that qualified but are on the allow list.</summary>
    public int AllowListed { get; }

    /// <summary>Sessions whose client address could not be read (should not happen).</summary>
    public int Unreadable { get; }

    /// <summary>Selects from <paramref name="events"/>; sessions before the window are ignored,
    /// so a caller may pass more than the window.</summary>
    public static ExportSelection Select(IEnumerable<SessionEvent> events, ExportCriteria criteria, DateTimeOffset now)
    {
        var since = now - criteria.Since;
        var byAddress = new Dictionary<IpNetwork, List<SessionEvent>>();
        var unreadable = 0;
        foreach (var session in events)
        {
            if (session.StartTime < since || (criteria.PregreetOnly && !session.Pregreet))
            {
                continue;
            }

            if (!IpNetwork.TryParse(session.ClientIp, out var address, out _) || !address.Value.IsSingleAddress)
            {
                unreadable++;
                continue;
            }

            if (!Keeps(criteria.Family, address.Value))
            {
                continue;
            }

            if (!byAddress.TryGetValue(address.Value, out var list))
            {
                byAddress[address.Value] = list = [];
            }

            list.Add(session);
        }

        // XXX: every session of the window is held until the minimum per address is known, so
        // memory grows with the window (about 1 KB per session).
        var listed = new List<ListedAddress>();
        var sessions = new List<SessionEvent>();
        var allowListed = 0;
        foreach (var (address, list) in byAddress.OrderBy(p => p.Key))
        {
            if (list.Count < criteria.MinSessions)
            {
                continue;
            }

            if (criteria.AllowList.Overlaps(address))
            {
                allowListed++;
                continue;
            }

            listed.Add(new ListedAddress(
                address,
                list.Count,
                list.Min(s => s.StartTime),
                list.Max(s => s.StartTime)));
            sessions.AddRange(list);
        }

        sessions.Sort((a, b) => a.StartTime.CompareTo(b.StartTime));
        return new ExportSelection(since, now, listed, sessions, allowListed, unreadable);
    }

    private static bool Keeps(AddressFamilyFilter family, IpNetwork address) => family switch
    {
        AddressFamilyFilter.Ipv4 => !address.IsV6,
        AddressFamilyFilter.Ipv6 => address.IsV6,
        _ => true,
    };
}
