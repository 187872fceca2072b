using System.Net;

namespace FakeMx.Dns;

/// <summary>What <c>fakemx check</c> was asked to do.</summary>
public sealed class MxCheckOptions
{
    /// <summary>The domain whose MX records are checked.</summary>
    public required string Domain { get; init; }

    /// <summary>
    /// Host names (or addresses) of the FakeMX servers, from <c>--fakemx</c>. Default: none, in
    /// which case only <c>--probe</c> can recognise FakeMX (by its temporary failure).
    /// </summary>
    public IReadOnlyList<string> FakeMxHosts { get; init; } = [];

    /// <summary>Check the nolisting layout (FakeMX most preferred) instead of the backup one. Default: off.</summary>
    public bool Nolisting { get; init; }

    /// <summary>Connect to every MX address and talk SMTP. Default: off (DNS only).</summary>
    public bool Probe { get; init; }

    /// <summary>The SMTP port probed. Default 25, where senders deliver; tests use another.</summary>
    public int Port { get; init; } = 25;

    /// <summary>The resolver to ask. Default: null, the system's (/etc/resolv.conf).</summary>
    public IPEndPoint? DnsServer { get; init; }

    /// <summary>
    /// Bound on each DNS query, each connect and each SMTP reply. Default 5 s: long enough for a
    /// slow resolver or a tarpitting server, short enough that a dead host does not stall the check.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The name sent in EHLO. Default: <c>fakemx-check.invalid</c>, which says what it is.</summary>
    public string HeloName { get; init; } = "fakemx-check.invalid";
}
