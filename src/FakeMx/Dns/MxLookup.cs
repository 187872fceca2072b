using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace FakeMx.Dns;

/// <summary>
/// The DNS half of <c>fakemx check</c>: the domain's MX records and, for each exchange, its
/// CNAME (if any) and its A and AAAA records, asked of one resolver with caching off.
/// </summary>
public sealed class MxLookup
{
    private readonly LookupClient _client;

    public MxLookup(IPEndPoint? server, TimeSpan timeout)
    {
        var options = server is null ? new LookupClientOptions() : new LookupClientOptions(server);
        options.UseCache = false;
        options.Timeout = timeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        options.UseTcpFallback = true;
        _client = new LookupClient(options);
    }

    /// <summary>Fills the report's hosts and null-MX flag; a failed MX query becomes a problem finding.</summary>
    public async Task LookUpAsync(MxReport report, CancellationToken cancel)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(report.Domain, QueryType.MX, QueryClass.IN, cancel);
        }
        catch (DnsResponseException error)
        {
            report.Add(Severity.Problem, "mx-lookup-failed",
                $"The MX query for {report.Domain} failed: {error.Message}. Check the domain and --dns-server.");
            return;
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            report.Add(Severity.Problem, "mx-lookup-failed",
                $"The MX query for {report.Domain} failed: {response.ErrorMessage}.");
            return;
        }

        var records = response.Answers.MxRecords().OrderBy(r => r.Preference).ThenBy(r => r.Exchange.Value);
        foreach (var record in records)
        {
            var host = new MxHost { Preference = record.Preference, Name = record.Exchange.Value.TrimEnd('.') };
            report.Hosts.Add(host);
        }

        report.NullMx = report.Hosts.Any(h => h.Name.Length == 0);
        foreach (var host in report.Hosts.Where(h => h.Name.Length > 0))
        {
            await ResolveAsync(host, cancel);
        }
    }

    private async Task ResolveAsync(MxHost host, CancellationToken cancel)
    {
        var literal = host.Name.Trim('[', ']');
        if (IPAddress.TryParse(literal, out _))
        {
            // An address where a name belongs: a sender would look it up as a name and fail.
            host.IsIpLiteral = true;
            return;
        }

        var errors = new List<string>();
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.QueryAsync(host.Name, type, QueryClass.IN, cancel);
            }
            catch (DnsResponseException error)
            {
                errors.Add($"{type}: {error.Message}");
                continue;
            }

            if (response.HasError)
            {
                errors.Add($"{type}: {response.ErrorMessage}");
                continue;
            }

            var alias = response.Answers.CnameRecords()
                .FirstOrDefault(c => SameName(c.DomainName.Value, host.Name));
            if (alias is not null)
            {
                host.CnameTarget = alias.CanonicalName.Value.TrimEnd('.');
            }

            host.IPv4.AddRange(response.Answers.ARecords().Select(a => a.Address.ToString()));
            host.IPv6.AddRange(response.Answers.AaaaRecords().Select(a => a.Address.ToString()));
        }

        if (!host.Resolves)
        {
            host.ResolveError = errors.Count > 0 ? string.Join("; ", errors.Distinct()) : "no A or AAAA record";
        }
    }

    private static bool SameName(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
