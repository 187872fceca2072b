namespace FakeMx.EndToEnd.Support;

/// <summary>The records dnsmasq serves, written as its own command-line options.</summary>
public sealed class Zone
{
    private readonly List<string> _arguments = [];

    /// <summary>A name dnsmasq must answer for once it is up (readiness probe).</summary>
    public string Probe { get; private set; } = "ready.test";

    public IReadOnlyList<string> Arguments => _arguments;

    public Zone Mx(string domain, string exchange, int preference)
    {
        _arguments.Add($"--mx-host={domain},{exchange},{preference}");
        Probe = domain;
        return this;
    }

    /// <summary>A null MX (RFC 7505): "this domain accepts no mail".</summary>
    public Zone NullMx(string domain) => Mx(domain, ".", 0);

    public Zone A(string name, string address)
    {
        _arguments.Add($"--host-record={name},{address}");
        return this;
    }

    public Zone Cname(string alias, string target)
    {
        _arguments.Add($"--cname={alias},{target}");
        return this;
    }
}
