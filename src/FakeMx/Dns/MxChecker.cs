using System.Net;

namespace FakeMx.Dns;

/// <summary>
/// Runs <c>fakemx check</c>: looks the domain's MX layout up, marks the FakeMX hosts (named
/// with <c>--fakemx</c>, or recognised by <c>--probe</c>), probes when asked, and judges the
/// layout with <see cref="MxLayoutRules"/>.
/// </summary>
public static class MxChecker
{
    public static async Task<MxReport> CheckAsync(MxCheckOptions options, CancellationToken cancel)
    {
        var report = new MxReport
        {
            Domain = options.Domain.TrimEnd('.'),
            Mode = options.Nolisting ? "nolisting" : "backup",
            DnsServer = options.DnsServer?.ToString() ?? "system",
        };

        await new MxLookup(options.DnsServer, options.Timeout).LookUpAsync(report, cancel);
        foreach (var host in report.Hosts)
        {
            if (IsNamed(host, options.FakeMxHosts))
            {
                host.IsFakeMx = true;
                host.IdentifiedBy = "named";
            }
        }

        if (options.Probe && !report.NullMx)
        {
            await ProbeAsync(report, options, cancel);
        }

        MxLayoutRules.Evaluate(report, options);
        return report;
    }

    /// <summary>
    /// Probes every address of every MX. Without <c>--fakemx</c>, every host is walked up to DATA
    /// and one that answers a temporary failure and never 354 is taken for FakeMX.
    /// </summary>
    private static async Task ProbeAsync(MxReport report, MxCheckOptions options, CancellationToken cancel)
    {
        var probe = new SmtpProbe(options.Timeout, options.HeloName);
        var guess = options.FakeMxHosts.Count == 0;
        var probes = new List<Task>();
        foreach (var host in report.Hosts.Where(h => h.Resolves))
        {
            var walk = guess || host.IsFakeMx;
            foreach (var address in host.IPv4.Concat(host.IPv6))
            {
                probes.Add(ProbeOneAsync(probe, host, IPAddress.Parse(address), options.Port, report.Domain, walk,
                    cancel));
            }
        }

        await Task.WhenAll(probes);
        if (guess)
        {
            foreach (var host in report.Hosts.Where(h => h.Probes.Count > 0))
            {
                if (host.Probes.All(p => p.Error is null && p.TemporaryFailure is not null && !p.AcceptsData))
                {
                    host.IsFakeMx = true;
                    host.IdentifiedBy = "probe";
                }
            }
        }
    }

    private static async Task ProbeOneAsync(SmtpProbe probe, MxHost host, IPAddress address, int port,
        string domain, bool walk, CancellationToken cancel)
    {
        var result = await probe.ProbeAsync(address, port, domain, walk, cancel);
        lock (host.Probes)
        {
            host.Probes.Add(result);
        }
    }

    private static bool IsNamed(MxHost host, IReadOnlyList<string> names) =>
        names.Any(name =>
            string.Equals(name.TrimEnd('.'), host.Name, StringComparison.OrdinalIgnoreCase)
            || host.IPv4.Contains(name) || host.IPv6.Contains(name, StringComparer.OrdinalIgnoreCase));
}
