namespace FakeMx.Reports;

/// <summary>What <c>fakemx export</c> writes; the labels are the kebab-case names.</summary>
public enum ExportFormat
{
    /// <summary>One address per line.</summary>
    Plain,

    /// <summary>The addresses aggregated into the fewest CIDR networks.</summary>
    Cidr,

    /// <summary>A Postfix <c>cidr:</c> table for <c>check_client_access</c>.</summary>
    Postfix,

    /// <summary>An rbldnsd <c>ip4set</c> (IPv4) or <c>ip6tset</c> (IPv6) dataset.</summary>
    Rbldnsd,

    /// <summary>An nftables file defining interval sets in <c>table inet fakemx</c>.</summary>
    Nftables,

    /// <summary>The matching sessions as RFC 4180 CSV with a header row.</summary>
    Csv,

    /// <summary>The matching sessions as a JSON array.</summary>
    Json,
}
