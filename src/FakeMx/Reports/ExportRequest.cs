using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FakeMx.Hosting;

namespace FakeMx.Reports;

/// <summary>
/// An export as asked for on the command line or over HTTP, checked in one place so both give
/// the same answer to the same mistake. Problems name the parameter as the CLI spells it.
/// </summary>
/// <param name="Format">What to write.</param>
/// <param name="Criteria">What to select.</param>
public sealed record ExportRequest(ExportFormat Format, ExportCriteria Criteria)
{
    public const string Formats = "plain, cidr, postfix, rbldnsd, nftables, csv or json";

    public static bool TryCreate(
        string? format,
        string? since,
        string? minSessions,
        bool pregreetOnly,
        string? family,
        string? rejectText,
        AddressListFile allowList,
        [NotNullWhen(true)] out ExportRequest? request,
        [NotNullWhen(false)] out string? problem)
    {
        request = null;
        if (string.IsNullOrWhiteSpace(format))
        {
            problem = $"--format is required; use {Formats}";
            return false;
        }

        if (!Labels.TryParse<ExportFormat>(format, out var parsedFormat))
        {
            problem = $"--format: '{format}' is not a format; use {Formats}";
            return false;
        }

        var window = ExportCriteria.DefaultSince;
        if (since is not null && (!Duration.TryParse(since, out window) || window <= TimeSpan.Zero))
        {
            problem = $"--since: '{since}' is not a duration; use {Duration.Formats}";
            return false;
        }

        var minimum = 1;
        if (minSessions is not null
            && (!int.TryParse(minSessions, NumberStyles.None, CultureInfo.InvariantCulture, out minimum)
                || minimum < 1))
        {
            problem = $"--min-sessions: '{minSessions}' is not a whole number of at least 1";
            return false;
        }

        var parsedFamily = AddressFamilyFilter.Any;
        if (family is not null && !Labels.TryParse(family, out parsedFamily))
        {
            problem = $"--family: '{family}' is not a family; use ipv4 or ipv6";
            return false;
        }

        if (parsedFormat == ExportFormat.Rbldnsd && parsedFamily == AddressFamilyFilter.Any)
        {
            problem = "--format rbldnsd needs --family ipv4 (an ip4set dataset) or --family ipv6 (an ip6tset " +
                "dataset): rbldnsd keeps the two families in separate datasets; export each to its own file";
            return false;
        }

        var text = rejectText ?? ExportCriteria.DefaultRejectText;
        if (text.Trim().Length == 0 || text.Any(char.IsControl))
        {
            problem = "--reject-text: give one line of text (no control characters)";
            return false;
        }

        request = new ExportRequest(parsedFormat, new ExportCriteria
        {
            Since = window,
            MinSessions = minimum,
            PregreetOnly = pregreetOnly,
            Family = parsedFamily,
            RejectText = text.Trim(),
            AllowList = allowList,
        });
        problem = null;
        return true;
    }
}
