using System.Globalization;
using System.Text;
using FakeMx.Events;
using FakeMx.Hosting;

namespace FakeMx.Reports;

/// <summary>
/// Writes an <see cref="ExportSelection"/> in one of the <see cref="ExportFormat"/>s. Every
/// blocklist format opens with comment lines saying what it is, the window and when it was
/// made, so an operator who finds the file on a server knows where it came from. Output is
/// deterministic for the same selection: sorted, with no random names.
/// </summary>
public static class ExportFormatter
{
    /// <summary>The nftables table and set names the export defines.</summary>
    public const string NftTable = "fakemx";
    public const string NftSetV4 = "blocklist_v4";
    public const string NftSetV6 = "blocklist_v6";

    /// <summary>The MIME type of each format, for HTTP.</summary>
    public static string ContentType(ExportFormat format) => format switch
    {
        ExportFormat.Csv => "text/csv; charset=utf-8; header=present",
        ExportFormat.Json => "application/json; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };

    public static void Write(TextWriter writer, ExportFormat format, ExportSelection selection, ExportCriteria criteria)
    {
        switch (format)
        {
            case ExportFormat.Plain:
                WritePlain(writer, selection);
                break;
            case ExportFormat.Cidr:
                WriteCidr(writer, selection);
                break;
            case ExportFormat.Postfix:
                WritePostfix(writer, selection, criteria);
                break;
            case ExportFormat.Rbldnsd:
                WriteRbldnsd(writer, selection, criteria);
                break;
            case ExportFormat.Nftables:
                WriteNftables(writer, selection);
                break;
            case ExportFormat.Csv:
                WriteCsv(writer, selection);
                break;
            case ExportFormat.Json:
                writer.Write(ReportJson.Serialize(selection.Sessions));
                writer.Write('\n');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format");
        }
    }

    /// <summary>The whole export as UTF-8 bytes (no byte-order mark).</summary>
    public static byte[] ToBytes(ExportFormat format, ExportSelection selection, ExportCriteria criteria)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(writer, format, selection, criteria);
        return new UTF8Encoding(false).GetBytes(writer.ToString());
    }

    /// <summary>The aggregated networks of the listed addresses.</summary>
    public static IReadOnlyList<IpNetwork> Networks(ExportSelection selection) =>
        CidrAggregator.Aggregate(selection.Addresses.Select(a => a.Address));

    private static void WritePlain(TextWriter writer, ExportSelection selection)
    {
        foreach (var listed in selection.Addresses)
        {
            writer.Write(listed.Address.ToString());
            writer.Write('\n');
        }
    }

    private static void WriteCidr(TextWriter writer, ExportSelection selection)
    {
        foreach (var network in Networks(selection))
        {
            writer.Write(network.ToCidrString());
            writer.Write('\n');
        }
    }

    private static void WriteHeader(TextWriter writer, string what, ExportSelection selection, int networks)
    {
        writer.Write($"# FakeMX {what}\n");
        writer.Write($"# {selection.Addresses.Count} addresses in {networks} networks, from sessions since " +
            $"{Stamp(selection.Since)}; generated {Stamp(selection.Generated)}\n");
        writer.Write("# Clients that tried to deliver to a decoy MX; allow-listed addresses are left out.\n");
    }

    private static void WritePostfix(TextWriter writer, ExportSelection selection, ExportCriteria criteria)
    {
        var networks = Networks(selection);
        WriteHeader(writer, "blocklist: a Postfix cidr table", selection, networks.Count);
        writer.Write("# Use: smtpd_client_restrictions = check_client_access cidr:/etc/postfix/fakemx.cidr\n");
        var text = OneLine(criteria.RejectText);
        foreach (var network in networks)
        {
            writer.Write($"{network.ToCidrString()} REJECT {text}\n");
        }
    }

    private static void WriteRbldnsd(TextWriter writer, ExportSelection selection, ExportCriteria criteria)
    {
        var v4 = Networks(selection).Where(n => !n.IsV6).ToList();
        var v6 = selection.Addresses.Where(a => a.Address.IsV6).Select(a => a.Address).ToList();
        if (v4.Count > 0 && v6.Count > 0)
        {
            // rbldnsd keeps IPv4 and IPv6 in different dataset types; the caller picks a family.
            throw new InvalidOperationException("an rbldnsd dataset holds one address family; filter by family");
        }

        var text = OneLine(criteria.RejectText);
        if (v6.Count == 0)
        {
            WriteHeader(writer, "blocklist: an rbldnsd ip4set dataset", selection, v4.Count);
            writer.Write("# Serve: rbldnsd -b ADDR/53 bl.example.org:ip4set:FILE (add $SOA/$NS lines in a small\n");
            writer.Write("# file listed first: bl.example.org:ip4set:soa.zone,FILE)\n");
            writer.Write($":{ExportCriteria.DefaultListedValue}:{text}\n");
            foreach (var network in v4)
            {
                writer.Write(network.IsSingleAddress ? network.ToString() : network.ToCidrString());
                writer.Write('\n');
            }

            return;
        }

        // ip6tset lists whole /64s. A /64 is listed with single allow-listed addresses in it
        // excluded; a /64 that overlaps a wider allow-listed range cannot be expressed and is
        // left out entirely, because exporting an allowed address is the one thing not to do.
        var blocks = new List<(IpNetwork Block, List<IpNetwork> Exclusions)>();
        var withheld = 0;
        foreach (var block in v6.Select(a => a.Truncate(64)).Distinct().Order())
        {
            var allowed = criteria.AllowList.Networks.Where(n => n.Overlaps(block)).ToList();
            if (allowed.Any(n => !n.IsSingleAddress))
            {
                withheld++;
                continue;
            }

            blocks.Add((block, allowed));
        }

        WriteHeader(writer, "blocklist: an rbldnsd ip6tset dataset (one /64 per line)", selection, blocks.Count);
        writer.Write("# Serve: rbldnsd -b ADDR/53 bl.example.org:ip6tset:FILE\n");
        if (withheld > 0)
        {
            writer.Write($"# {withheld} /64 networks left out: they overlap an allow-listed range.\n");
        }

        writer.Write($":{ExportCriteria.DefaultListedValue}:{text}\n");
        foreach (var (block, exclusions) in blocks)
        {
            writer.Write(FourWords(block));
            writer.Write('\n');
            foreach (var excluded in exclusions)
            {
                writer.Write($"!{excluded}\n");
            }
        }
    }

    private static void WriteNftables(TextWriter writer, ExportSelection selection)
    {
        var networks = Networks(selection);
        writer.Write("#!/usr/sbin/nft -f\n");
        WriteHeader(writer, "blocklist: nftables sets", selection, networks.Count);
        writer.Write($"# Load with `nft -f FILE`: the first load creates table inet {NftTable} with the sets\n");
        writer.Write("# below; every load replaces their contents in one transaction. Match them in your own\n");
        writer.Write($"# chain: ip saddr @{NftSetV4} drop; ip6 saddr @{NftSetV6} drop\n");
        writer.Write($"table inet {NftTable} {{\n");
        foreach (var (name, type) in new[] { (NftSetV4, "ipv4_addr"), (NftSetV6, "ipv6_addr") })
        {
            writer.Write($"\tset {name} {{\n");
            writer.Write($"\t\ttype {type}\n");
            writer.Write("\t\tflags interval\n");
            writer.Write("\t\tauto-merge\n");
            writer.Write("\t}\n");
        }

        writer.Write("}\n");
        foreach (var (name, isV6) in new[] { (NftSetV4, false), (NftSetV6, true) })
        {
            writer.Write($"flush set inet {NftTable} {name}\n");
            var elements = networks.Where(n => n.IsV6 == isV6).ToList();
            if (elements.Count == 0)
            {
                // An empty element list is a syntax error in nft, so an empty set gets no line.
                continue;
            }

            writer.Write($"add element inet {NftTable} {name} {{\n");
            for (var i = 0; i < elements.Count; i++)
            {
                writer.Write($"\t{elements[i]}{(i + 1 < elements.Count ? "," : string.Empty)}\n");
            }

            writer.Write("}\n");
        }
    }

    /// <summary>The CSV columns, in order.</summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "id", "start_time", "end_time", "duration_ms", "node", "client_ip", "peer_ip", "peer_port",
        "proxy_client_ip", "local_endpoint", "tls", "tls_version", "pregreet", "helo", "mail_from",
        "recipients", "recipient_count", "commands", "errors", "stage", "end", "outcome", "deferred",
        "reply_code", "reply_text",
    ];

    private static void WriteCsv(TextWriter writer, ExportSelection selection)
    {
        // XXX: client text is written as recorded, so a HELO starting with '=' is a formula to a
        // spreadsheet that opens the file; escaping it would make the export lie about the data.
        Csv.WriteRecord(writer, CsvColumns);
        foreach (var s in selection.Sessions)
        {
            Csv.WriteRecord(writer,
            [
                s.Id?.ToString(CultureInfo.InvariantCulture), Stamp(s.StartTime), Stamp(s.EndTime),
                ((long)s.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), s.Node, s.ClientIp,
                s.PeerIp, s.PeerPort.ToString(CultureInfo.InvariantCulture), s.ProxyClientIp, s.LocalEndpoint,
                Bool(s.Tls), s.TlsVersion, Bool(s.Pregreet), s.Helo, s.MailFrom, string.Join(' ', s.Recipients),
                s.RecipientCount.ToString(CultureInfo.InvariantCulture),
                s.Commands.ToString(CultureInfo.InvariantCulture), s.Errors.ToString(CultureInfo.InvariantCulture),
                Labels.Stage(s.Stage), Labels.End(s.End), Labels.Kebab(s.Outcome.ToString()), Bool(s.Deferred),
                s.ReplyCode?.ToString(CultureInfo.InvariantCulture), s.ReplyText,
            ]);
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Stamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first 64 bits as four colon-separated words, the way ip6tset wants a /64.</summary>
    private static string FourWords(IpNetwork block)
    {
        var high = (ulong)(block.Bits >> 64);
        return string.Join(':', Enumerable.Range(0, 4)
            .Select(i => ((high >> (48 - 16 * i)) & 0xffff).ToString("x", CultureInfo.InvariantCulture)));
    }

    /// <summary>Control characters would end a table line early; they become spaces.</summary>
    private static string OneLine(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
}
