using System.Text.Json.Serialization;
using FakeMx.Smtp;

namespace FakeMx.Events;

/// <summary>
/// One SMTP session as it is recorded: who came, what they said, how far they got and how it
/// ended. Client-supplied strings are already sanitized and truncated.
/// </summary>
public sealed class SessionEvent
{
    /// <summary>The store's id, set when read back from a store; null before it is written.</summary>
    public long? Id { get; init; }

    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }

    /// <summary>The FakeMX node that saw the session (<c>--node</c>).</summary>
    public required string Node { get; init; }

    /// <summary>The TCP peer: the client, or the proxy in front of it.</summary>
    public required string PeerIp { get; init; }
    public required int PeerPort { get; init; }

    /// <summary>The listener the client connected to, as <c>ADDR:PORT</c>.</summary>
    public required string LocalEndpoint { get; init; }

    /// <summary>The original client address when a PROXY protocol header named one.</summary>
    public string? ProxyClientIp { get; init; }
    public int? ProxyClientPort { get; init; }

    /// <summary>The address every limit, list and report uses: the PROXY origin, else the peer.</summary>
    public string ClientIp => ProxyClientIp ?? PeerIp;

    public bool Tls { get; init; }

    /// <summary>The TLS protocol, such as <c>TLSv1.3</c>, when <see cref="Tls"/> is true.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>True when the client talked before the banner.</summary>
    public bool Pregreet { get; init; }

    public string? Helo { get; init; }

    /// <summary>The MAIL FROM address; empty for the null sender, null when never sent.</summary>
    public string? MailFrom { get; init; }

    /// <summary>Recipients by name, capped; <see cref="RecipientCount"/> is the true count.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];
    public int RecipientCount { get; init; }

    public int Commands { get; init; }
    public int Errors { get; init; }
    public SessionStage Stage { get; init; }

    /// <summary>The deciding reply code: the deferral when given, else the last reply.</summary>
    public int? ReplyCode { get; init; }
    public string? ReplyText { get; init; }

    public SessionEnd End { get; init; }

    /// <summary>True when the client got the deferral (451, or 421 at connect or HELO).</summary>
    public bool Deferred { get; init; }

    public SessionOutcome Outcome => SessionOutcomes.Classify(Deferred, End);
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }

    [JsonIgnore]
    public TimeSpan Duration => EndTime - StartTime;

    /// <summary>The session's length in whole milliseconds (the JSON form of <see cref="Duration"/>).</summary>
    public long DurationMs => (long)Duration.TotalMilliseconds;

    /// <summary>The distinct domains of <see cref="Recipients"/>, lower-cased.</summary>
    public IReadOnlyList<string> RecipientDomains
    {
        get
        {
            var domains = new List<string>();
            DomainsOf(Recipients, domains);
            return domains;
        }
    }

    /// <summary>
    /// The distinct non-empty lower-cased domains of <paramref name="recipients"/>, in order of
    /// first appearance, into <paramref name="domains"/> (cleared first, so a writer can reuse
    /// one list for every session).
    /// </summary>
    public static void DomainsOf(IReadOnlyList<string> recipients, List<string> domains)
    {
        domains.Clear();
        for (var i = 0; i < recipients.Count; i++)
        {
            var domain = DomainOf(recipients[i]);
            if (domain.Length > 0 && !domains.Contains(domain))
            {
                domains.Add(domain);
            }
        }
    }

    /// <summary>The domain part of an address, lower-cased; empty when there is none.</summary>
    public static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : address[(at + 1)..].ToLowerInvariant();
    }
}
