using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using FakeMx.Dns;
using FakeMx.Hosting;

namespace FakeMx.Cli;

/// <summary>
/// <c>fakemx check DOMAIN</c>: reads the domain's MX layout from DNS and says whether FakeMX
/// sits where it should. Exit 0 when nothing is wrong, 1 when a problem was found, 2 for a
/// bad command line.
/// </summary>
public static partial class CheckCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The mail domain to check, e.g. example.org" };
        var fakemx = new Option<string[]>("--fakemx")
        {
            Description = "Host name (or address) of a FakeMX server among the MX records; repeatable. " +
                "Without it, only --probe can recognise FakeMX (by its temporary failure)",
            HelpName = "HOST",
            Arity = ArgumentArity.OneOrMore,
        };
        var probe = new Option<bool>("--probe")
        {
            Description = "Connect to every MX address: banner, STARTTLS, and whether FakeMX really answers " +
                "with a temporary failure (never sends a message)",
        };
        var nolisting = new Option<bool>("--nolisting")
        {
            Description = "Check the nolisting layout: FakeMX most preferred, refusing at connect, real MX behind",
        };
        var port = new Option<int>("--port")
        {
            Description = "SMTP port to probe", HelpName = "N", DefaultValueFactory = _ => 25,
        };
        var dnsServer = new Option<string>("--dns-server")
        {
            Description = "Resolver to ask, ADDR or ADDR:PORT ([V6ADDR]:PORT); default: the system's",
            HelpName = "ADDR[:PORT]",
        };
        var timeout = new Option<string>("--timeout")
        {
            Description = "Bound on each DNS query, connect and SMTP reply", HelpName = "DURATION",
            DefaultValueFactory = _ => "5s",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };

        var command = new Command("check", "Check a domain's MX layout for FakeMX over real DNS");
        command.Arguments.Add(domain);
        foreach (var option in new Option[] { fakemx, probe, nolisting, port, dnsServer, timeout, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancel) => RunAsync(
            parse.GetValue(domain)!,
            parse.GetValue(fakemx) ?? [],
            parse.GetValue(probe),
            parse.GetValue(nolisting),
            parse.GetValue(port),
            parse.GetValue(dnsServer),
            parse.GetValue(timeout)!,
            parse.GetValue(json),
            cancel));
        return command;
    }

    private static async Task<int> RunAsync(string domain, string[] fakemx, bool probe, bool nolisting, int port,
        string? dnsServer, string timeoutText, bool json, CancellationToken cancel)
    {
        if (!DomainName().IsMatch(domain))
        {
            return Cli.Fail(ExitCodes.Usage, $"'{domain}' is not a domain name; give one like example.org");
        }

        if (port is < 1 or > 65535)
        {
            return Cli.Fail(ExitCodes.Usage, $"--port: {port} is not a port; use 1 to 65535");
        }

        if (!Duration.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
        {
            return Cli.Fail(ExitCodes.Usage, $"--timeout: '{timeoutText}' is not a duration; use {Duration.Formats}");
        }

        IPEndPoint? server = null;
        if (dnsServer is not null && !TryParseServer(dnsServer, out server))
        {
            return Cli.Fail(ExitCodes.Usage,
                $"--dns-server: '{dnsServer}' is not an address; use ADDR, ADDR:PORT or [V6ADDR]:PORT");
        }

        var options = new MxCheckOptions
        {
            Domain = domain,
            FakeMxHosts = fakemx,
            Probe = probe,
            Nolisting = nolisting,
            Port = port,
            DnsServer = server,
            Timeout = timeout,
        };
        var report = await MxChecker.CheckAsync(options, cancel);
        Console.Out.Write(json ? JsonSerializer.Serialize(report, Json) + "\n" : Text(report));
        return report.Healthy ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>The report for a person: the MX table, then one line per finding, then the verdict.</summary>
    public static string Text(MxReport report)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"MX records of {report.Domain} ({report.Mode} layout, DNS: {report.DnsServer}):\n");
        if (report.Hosts.Count == 0)
        {
            text.Append("  (none)\n");
        }

        var width = report.Hosts.Select(h => h.Name.Length).DefaultIfEmpty(1).Max();
        foreach (var host in report.Hosts)
        {
            var name = host.Name.Length == 0 ? "." : host.Name;
            var addresses = host.IsIpLiteral ? "(IP literal)"
                : host.Resolves ? string.Join(" ", host.IPv4.Concat(host.IPv6))
                : $"(does not resolve: {host.ResolveError})";
            var alias = host.CnameTarget is null ? string.Empty : $" CNAME {host.CnameTarget}";
            var mark = host.IsFakeMx ? $"  [FakeMX, {host.IdentifiedBy}]" : string.Empty;
            text.Append(CultureInfo.InvariantCulture,
                $"  {host.Preference,5}  {name.PadRight(width)}  {addresses}{alias}{mark}\n");
            foreach (var probe in host.Probes.OrderBy(p => p.Endpoint, StringComparer.Ordinal))
            {
                var detail = probe.Error ?? $"{MxLayoutRules.Walk(probe)}; STARTTLS: " +
                    (probe.StartTls switch { true => "yes", false => "no", null => "n/a" });
                text.Append(CultureInfo.InvariantCulture, $"         probe {probe.Endpoint}: {detail}\n");
                if (probe.Banner is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $"         banner: {probe.Banner}\n");
                }
            }
        }

        text.Append('\n');
        foreach (var finding in report.Findings)
        {
            var label = finding.Severity switch
            {
                Severity.Ok => "OK     ",
                Severity.Warning => "WARNING",
                _ => "PROBLEM",
            };
            text.Append(CultureInfo.InvariantCulture, $"{label} {finding.Message}\n");
        }

        var problems = report.Findings.Count(f => f.Severity == Severity.Problem);
        var warnings = report.Findings.Count(f => f.Severity == Severity.Warning);
        text.Append(problems == 0
            ? $"\nResult: good ({warnings} warning{(warnings == 1 ? "" : "s")})\n"
            : $"\nResult: {problems} problem{(problems == 1 ? "" : "s")}, " +
                $"{warnings} warning{(warnings == 1 ? "" : "s")}\n");
        return text.ToString();
    }

    private static bool TryParseServer(string text, out IPEndPoint? server)
    {
        server = null;
        if (IPAddress.TryParse(text, out var address))
        {
            server = new IPEndPoint(address, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0)
        {
            server = endpoint;
            return true;
        }

        return false;
    }

    [GeneratedRegex(@"^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]" +
        @"([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")]
    private static partial Regex DomainName();
}
