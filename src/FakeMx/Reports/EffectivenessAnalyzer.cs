using FakeMx.Events;

namespace FakeMx.Reports;

/// <summary>
/// Judges FakeMX sessions against a primary MX's Postfix log. A session is delivered when a
/// message from the same sender to one of its recipients (compared case-insensitively, the
/// recipient as given or as rewritten) entered the primary's queue no earlier than the
/// session started and within the window after it, and, when both client addresses are
/// known and <see cref="MatchNetwork"/> is on, came from the same /24 or /48. A session with
/// several recipients counts as delivered when any of them was. Sessions that started before
/// the log begins (less <see cref="ClockSlack"/>) are not judged: the log cannot speak for them.
/// </summary>
public sealed class EffectivenessAnalyzer
{
    /// <summary>Default window: 24 hours, well inside Postfix's default 5-day queue lifetime
    /// and long enough for its backoff (up to 4000 s between tries) to bring mail back.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    /// <summary>How long after a FakeMX session a delivery at the primary still counts.</summary>
    public TimeSpan Window { get; init; } = DefaultWindow;

    /// <summary>Require the same client network (/24, /48) when the primary logged the client.
    /// Default true; turn it off for senders that retry from scattered networks (large
    /// providers).</summary>
    public bool MatchNetwork { get; init; } = true;

    /// <summary>Deliveries logged up to this long before the session started still count.
    /// Default 2 s: syslog stamps are cut to whole seconds, and FakeMX and the primary keep
    /// separate clocks. Delays never come out negative.</summary>
    public TimeSpan ClockSlack { get; init; } = TimeSpan.FromSeconds(2);

    public EffectivenessReport Analyze(IEnumerable<SessionEvent> sessions, PostfixLog log)
    {
        var accepted = new Dictionary<(string From, string To), List<(PostfixMessage Message, DateTimeOffset At)>>();
        foreach (var message in log.Messages.Where(m => m.From is not null))
        {
            foreach (var recipient in message.Recipients)
            {
                foreach (var to in new[] { recipient.To, recipient.OriginalTo }.OfType<string>().Distinct())
                {
                    Add(accepted, (Key(message.From!), Key(to)), (message, message.AcceptedAt));
                }
            }
        }

        var refused = new Dictionary<(string From, string To), List<DateTimeOffset>>();
        foreach (var rejection in log.Rejections)
        {
            Add(refused, (Key(rejection.From), Key(rejection.To)), rejection.At);
        }

        var inScope = sessions
            .Where(s => log.First is { } first && s.StartTime >= first - ClockSlack)
            .OrderBy(s => s.StartTime)
            .ToList();
        var visits = new Dictionary<(string From, string To), List<DateTimeOffset>>();
        foreach (var session in inScope.Where(s => s.MailFrom is not null))
        {
            foreach (var to in session.Recipients)
            {
                Add(visits, (Key(session.MailFrom!), Key(to)), session.StartTime);
            }
        }

        var effects = inScope.Select(s => Judge(s, log.Last, accepted, refused, visits)).ToList();
        var domains = inScope
            .Select((s, i) => (Session: s, Effect: effects[i]))
            .SelectMany(p => p.Session.RecipientDomains.Select(d => (Domain: d, p.Effect)))
            .GroupBy(p => p.Domain, StringComparer.OrdinalIgnoreCase)
            .Select(g => new DomainEffectiveness(g.Key, Figures(g.Select(p => p.Effect).ToList())))
            .OrderByDescending(d => d.Figures.Sessions)
            .ThenBy(d => d.Domain, StringComparer.Ordinal)
            .ToList();

        return new EffectivenessReport
        {
            Window = Window,
            MatchNetwork = MatchNetwork,
            LogFirst = log.First,
            LogLast = log.Last,
            LogLines = log.Lines,
            LogUnparsable = log.Unparsable,
            LogOtherPrograms = log.OtherPrograms,
            LogUnparsableSamples = log.UnparsableSamples,
            PrimaryMessages = log.Messages.Count,
            PrimaryRejections = log.Rejections.Count,
            Overall = Figures(effects),
            Domains = domains,
            Sessions = effects,
        };
    }

    private SessionEffect Judge(
        SessionEvent session,
        DateTimeOffset? logLast,
        Dictionary<(string From, string To), List<(PostfixMessage Message, DateTimeOffset At)>> accepted,
        Dictionary<(string From, string To), List<DateTimeOffset>> refused,
        Dictionary<(string From, string To), List<DateTimeOffset>> visits)
    {
        var start = session.StartTime;
        var end = start + Window;
        if (session.MailFrom is null || session.Recipients.Count == 0)
        {
            return Effect(session, EffectivenessVerdict.NoEnvelope, null, false);
        }

        var from = Key(session.MailFrom);
        var keys = session.Recipients.Select(r => (from, Key(r))).ToList();
        var returned = keys.Any(k => visits.TryGetValue(k, out var times) && times.Any(t => t > start && t <= end));
        IpNetwork? client = IpNetwork.TryParse(session.ClientIp, out var parsed, out _) ? parsed : null;

        (PostfixMessage Message, DateTimeOffset At, bool? SameNetwork)? best = null;
        foreach (var key in keys)
        {
            if (!accepted.TryGetValue(key, out var candidates))
            {
                continue;
            }

            foreach (var (message, at) in candidates)
            {
                if (at < start - ClockSlack || at > end || (best is not null && at >= best.Value.At))
                {
                    continue;
                }

                var sameNetwork = SameNetwork(client, message.ClientAddress);
                if (MatchNetwork && sameNetwork == false)
                {
                    continue;
                }

                best = (message, at, sameNetwork);
            }
        }

        if (best is { } found)
        {
            return Effect(session, EffectivenessVerdict.Delivered, found, returned);
        }

        if (keys.Any(k => refused.TryGetValue(k, out var times) && times.Any(t => t >= start - ClockSlack && t <= end)))
        {
            return Effect(session, EffectivenessVerdict.Rejected, null, returned);
        }

        // Without the whole window in the log, absence proves nothing yet.
        var verdict = logLast is { } last && end > last ? EffectivenessVerdict.Pending : EffectivenessVerdict.NeverSeen;
        return Effect(session, verdict, null, returned);
    }

    private static SessionEffect Effect(
        SessionEvent session,
        EffectivenessVerdict verdict,
        (PostfixMessage Message, DateTimeOffset At, bool? SameNetwork)? match,
        bool returned) =>
        new(
            session.Id,
            session.StartTime,
            session.ClientIp,
            session.MailFrom,
            session.Recipients,
            verdict,
            match is { } m ? Math.Max(0, (m.At - session.StartTime).TotalSeconds) : null,
            match?.Message.QueueId,
            match?.SameNetwork,
            returned);

    private static bool? SameNetwork(IpNetwork? client, string? primaryClient)
    {
        if (client is not { } ours || primaryClient is null
            || !IpNetwork.TryParse(primaryClient, out var theirs, out _) || theirs.Value.IsV6 != ours.IsV6)
        {
            return null;
        }

        return ours.ClientNetwork.Contains(theirs.Value);
    }

    private static EffectivenessFigures Figures(IReadOnlyList<SessionEffect> effects)
    {
        var judged = effects.Where(e => e.Verdict is EffectivenessVerdict.Delivered or EffectivenessVerdict.Rejected
            or EffectivenessVerdict.NeverSeen).ToList();
        var delivered = judged.Where(e => e.Verdict == EffectivenessVerdict.Delivered).ToList();
        var rejected = judged.Count(e => e.Verdict == EffectivenessVerdict.Rejected);
        var neverSeen = judged.Count(e => e.Verdict == EffectivenessVerdict.NeverSeen);
        var returned = judged.Count(e => e.Returned);
        double Share(long count) => judged.Count == 0 ? 0 : (double)count / judged.Count;

        return new EffectivenessFigures
        {
            Sessions = effects.Count,
            NoEnvelope = effects.Count(e => e.Verdict == EffectivenessVerdict.NoEnvelope),
            Pending = effects.Count(e => e.Verdict == EffectivenessVerdict.Pending),
            Judged = judged.Count,
            Delivered = delivered.Count,
            DeliveredShare = Share(delivered.Count),
            DeliveredSameNetwork = delivered.Count(e => e.SameNetwork == true),
            Rejected = rejected,
            RejectedShare = Share(rejected),
            NeverSeen = neverSeen,
            NeverSeenShare = Share(neverSeen),
            Returned = returned,
            ReturnedShare = Share(returned),
            Delay = Distribution(delivered.Select(e => e.DelaySeconds!.Value).ToList()),
        };
    }

    /// <summary>Nearest-rank median, 90th percentile and maximum; null for no values.</summary>
    internal static DelayDistribution? Distribution(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        double Rank(double p) => values[Math.Max(0, (int)Math.Ceiling(p * values.Count) - 1)];
        return new DelayDistribution(Rank(0.5), Rank(0.9), values[^1]);
    }

    private static string Key(string address) => address.Trim().ToLowerInvariant();

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> index, TKey key, TValue value)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(value);
    }
}
