namespace FakeMx.Dns;

/// <summary>Everything <c>fakemx check</c> found about a domain; printed as text or JSON.</summary>
public sealed class MxReport
{
    public required string Domain { get; init; }

    /// <summary><c>backup</c> (FakeMX least preferred) or <c>nolisting</c> (FakeMX most preferred).</summary>
    public required string Mode { get; init; }

    /// <summary>The resolver asked, or <c>system</c>.</summary>
    public required string DnsServer { get; init; }

    /// <summary>True when the domain publishes a null MX (RFC 7505): it takes no mail at all.</summary>
    public bool NullMx { get; set; }

    /// <summary>The MX records, most preferred first.</summary>
    public List<MxHost> Hosts { get; } = [];

    public List<Finding> Findings { get; } = [];

    /// <summary>True when no finding is a problem: exit code 0.</summary>
    public bool Healthy => Findings.All(f => f.Severity != Severity.Problem);

    public void Add(Severity severity, string code, string message) => Findings.Add(new(severity, code, message));
}
