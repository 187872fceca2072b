using System.Text.Json.Serialization;

namespace FakeMx.Dns;

/// <summary>One MX record of the checked domain, with what its name resolves to.</summary>
public sealed class MxHost
{
    /// <summary>The MX preference: lower is tried first.</summary>
    public required int Preference { get; init; }

    /// <summary>The exchange name, without the trailing dot.</summary>
    public required string Name { get; init; }

    /// <summary>True when this MX is FakeMX: named with <c>--fakemx</c>, or recognised by <c>--probe</c>.</summary>
    public bool IsFakeMx { get; set; }

    /// <summary>How it was recognised as FakeMX: <c>named</c> or <c>probe</c>; null when it is not.</summary>
    public string? IdentifiedBy { get; set; }

    /// <summary>True when the exchange is an address, not a host name (RFC 5321 §5.1 wants a name).</summary>
    public bool IsIpLiteral { get; set; }

    /// <summary>The target when the exchange name is an alias (RFC 2181 §10.3 forbids it), else null.</summary>
    public string? CnameTarget { get; set; }

    [JsonPropertyName("ipv4")]
    public List<string> IPv4 { get; } = [];

    [JsonPropertyName("ipv6")]
    public List<string> IPv6 { get; } = [];

    /// <summary>Why the name did not resolve (NXDOMAIN, no A/AAAA, timeout), or null.</summary>
    public string? ResolveError { get; set; }

    public bool Resolves => IPv4.Count + IPv6.Count > 0;

    /// <summary>One result per address when <c>--probe</c> was given.</summary>
    public List<ProbeResult> Probes { get; } = [];
}
