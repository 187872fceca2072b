using System.Globalization;
using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// <c>fakemx report domains</c> and <c>/api/report/domains</c>: per recipient domain, the
/// sessions, unique clients, top sender domains and clients, the share of early talkers and
/// the trend by day. A session with recipients in several domains counts in each.
/// </summary>
public sealed class DomainReport
{
    /// <summary>Default window: 30 days, a month's trend.</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromDays(30);

    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }

    /// <summary>Busiest domain first.</summary>
    public IReadOnlyList<DomainSummary> Domains { get; init; } = [];

    /// <summary>Builds the report from sessions; those outside [since, until) are ignored.</summary>
    /// <param name="domain">Only this domain (case-insensitive), for a single customer's page.</param>
    /// <param name="top">Entries per top list.</param>
    public static DomainReport Build(
        IEnumerable<SessionEvent> sessions,
        DateTimeOffset since,
        DateTimeOffset until,
        string? domain = null,
        int top = 10)
    {
        var wanted = domain?.Trim().ToLowerInvariant();
        var byDomain = new Dictionary<string, List<SessionEvent>>(StringComparer.Ordinal);
        foreach (var session in sessions)
        {
            if (session.StartTime < since || session.StartTime >= until)
            {
                continue;
            }

            foreach (var name in session.RecipientDomains)
            {
                if (wanted is not null && name != wanted)
                {
                    continue;
                }

                if (!byDomain.TryGetValue(name, out var list))
                {
                    byDomain[name] = list = [];
                }

                list.Add(session);
            }
        }

        var firstDay = DateOnly.FromDateTime(since.UtcDateTime);
        var lastDay = DateOnly.FromDateTime((until - TimeSpan.FromTicks(1)).UtcDateTime);
        var domains = byDomain
            .Select(p => Summarize(p.Key, p.Value, firstDay, lastDay, top))
            .OrderByDescending(d => d.Sessions)
            .ThenBy(d => d.Domain, StringComparer.Ordinal)
            .ToList();
        return new DomainReport { Since = since, Until = until, Domains = domains };
    }

    private static DomainSummary Summarize(
        string domain,
        List<SessionEvent> sessions,
        DateOnly firstDay,
        DateOnly lastDay,
        int top)
    {
        var pregreet = sessions.Count(s => s.Pregreet);
        var perDay = sessions.GroupBy(s => DateOnly.FromDateTime(s.StartTime.UtcDateTime))
            .ToDictionary(g => g.Key, g => (long)g.Count());
        var trend = new List<DayCount>();
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            trend.Add(new DayCount(day, perDay.GetValueOrDefault(day)));
        }

        return new DomainSummary
        {
            Domain = domain,
            Sessions = sessions.Count,
            UniqueClients = sessions.Select(s => s.ClientIp).Distinct(StringComparer.Ordinal).LongCount(),
            Pregreet = pregreet,
            PregreetShare = sessions.Count == 0 ? 0 : (double)pregreet / sessions.Count,
            Deferred = sessions.Count(s => s.Deferred),
            TopSenderDomains = Top(sessions.Where(s => s.MailFrom is not null)
                .Select(s => s.MailFrom!.Length == 0 ? "<>" : SessionEvent.DomainOf(s.MailFrom!))
                .Where(d => d.Length > 0), top),
            TopClients = Top(sessions.Select(s => s.ClientIp), top),
            Trend = trend,
        };
    }

    private static List<TopEntry> Top(IEnumerable<string> values, int top) =>
        values.GroupBy(v => v, StringComparer.Ordinal)
            .Select(g => new TopEntry(g.Key, g.LongCount()))
            .OrderByDescending(e => e.Sessions)
            .ThenBy(e => e.Value, StringComparer.Ordinal)
            .Take(top)
            .ToList();

    /// <summary>The report as an operator reads it in a terminal.</summary>
    public void WriteText(TextWriter writer)
    {
        writer.WriteLine($"FakeMX sessions per recipient domain, {Stamp(Since)} to {Stamp(Until)}");
        if (Domains.Count == 0)
        {
            writer.WriteLine("No sessions with recipients in this window.");
            return;
        }

        foreach (var d in Domains)
        {
            writer.WriteLine();
            writer.WriteLine($"{d.Domain}: {d.Sessions} sessions from {d.UniqueClients} clients; " +
                $"{d.Deferred} deferred; early talkers {d.Pregreet} " +
                $"({(d.PregreetShare * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)");
            writer.WriteLine($"  top sender domains: {List(d.TopSenderDomains)}");
            writer.WriteLine($"  top clients:        {List(d.TopClients)}");
            writer.WriteLine($"  by day:             {string.Join(' ', d.Trend.Select(t =>
                $"{t.Day.ToString("MM-dd", CultureInfo.InvariantCulture)}:{t.Sessions}"))}");
        }
    }

    private static string List(IReadOnlyList<TopEntry> entries) =>
        entries.Count == 0 ? "-" : string.Join(", ", entries.Select(e => $"{e.Value} ({e.Sessions})"));

    private static string Stamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
