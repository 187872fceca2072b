using System.CommandLine;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Cli;

/// <summary>
/// <c>fakemx stats</c>: who hit FakeMX and with what, over a window, from the store the server
/// writes (safely while it runs). Aligned tables by default; <c>--json</c> prints the same
/// <see cref="StatsReport"/> the web API serves.
/// </summary>
public static class StatsCommand
{
    public static Command Create()
    {
        var since = new Option<string>("--since")
        {
            Description = "Start of the window: a duration back from now (24h, 7d) or an ISO 8601 time",
            HelpName = "TIME",
            DefaultValueFactory = _ => "24h",
        };
        var until = new Option<string>("--until")
        {
            Description = "End of the window, same formats (default: now)",
            HelpName = "TIME",
        };
        var domain = new Option<string>("--domain")
        {
            Description = "Only sessions with a recipient in this domain",
            HelpName = "DOMAIN",
        };
        var top = new Option<int>("--top")
        {
            Description = "Entries per top list",
            HelpName = "N",
            DefaultValueFactory = _ => 10,
        };
        var json = StoreArguments.Json();
        var store = StoreArguments.Store();

        var command = new Command("stats", "Summarize recorded sessions: outcomes, stages, top IPs, networks, " +
            "HELO names, sender and recipient domains, per node");
        foreach (var option in new Option[] { since, until, domain, top, json, store })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(since)!, parse.GetValue(until), parse.GetValue(domain), parse.GetValue(top),
            parse.GetValue(json), parse.GetValue(store), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string sinceText,
        string? untilText,
        string? domain,
        int top,
        bool json,
        string? storeText,
        CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (!StoreArguments.TryParseTime(sinceText, now, out var since))
        {
            return Cli.Fail(ExitCodes.Usage, StoreArguments.BadTime("--since", sinceText));
        }

        DateTimeOffset? until = null;
        if (untilText is not null)
        {
            if (!StoreArguments.TryParseTime(untilText, now, out var parsed))
            {
                return Cli.Fail(ExitCodes.Usage, StoreArguments.BadTime("--until", untilText));
            }

            until = parsed;
        }

        if (top < 0)
        {
            return Cli.Fail(ExitCodes.Usage, $"--top: {top} is negative; give 0 or more entries per list");
        }

        if (until <= since)
        {
            return Cli.Fail(ExitCodes.Usage, "--until: the window is empty; --until must be later than --since");
        }

        StatsReport report;
        try
        {
            await using var store = await EventStores.OpenForReadingAsync(StoreArguments.Location(storeText),
                cancellationToken);
            report = await store.GetStatsAsync(new StatsQuery(since, until, domain, top), cancellationToken);
        }
        catch (StoreProblem problem)
        {
            return Cli.Fail(ExitCodes.Usage, problem.Message);
        }

        if (json)
        {
            Console.Out.WriteLine(EventJson.Serialize(report, indented: true));
        }
        else
        {
            Write(report, Console.Out);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Writes the report as aligned tables, every label present even at zero.</summary>
    public static void Write(StatsReport report, TextWriter output)
    {
        output.WriteLine($"FakeMX sessions from {Time(report.Since)} to {Time(report.Until)}" +
            (report.Domain is null ? string.Empty : $" for domain {report.Domain}"));
        output.WriteLine();
        new TextTable("Total", "Count")
            .Add("sessions", report.Sessions)
            .Add("unique client IPs", report.UniqueIps)
            .Add("pregreet (talked before the banner)", report.Pregreet)
            .WriteTo(output);

        Counts(output, "Outcome", report.Outcomes, Enum.GetNames<SessionOutcome>());
        Counts(output, "Stage reached", report.Stages, Enum.GetNames<SessionStage>());
        Counts(output, "How it ended", report.Ends,
            Enum.GetNames<SessionEnd>().Where(n => n != nameof(SessionEnd.Open)));

        Top(output, "Top client IPs", report.TopIps);
        Top(output, "Top networks (/24, /48)", report.TopNetworks);
        Top(output, "Top HELO names", report.TopHelos);
        Top(output, "Top sender domains", report.TopSenderDomains);
        Top(output, "Top recipient domains", report.TopRecipientDomains);
        Top(output, "Top recipients", report.TopRecipients);

        output.WriteLine();
        var nodes = new TextTable("Node", "Sessions", "Unique IPs", "Last session");
        foreach (var node in report.Nodes)
        {
            nodes.Add(node.Node, node.Sessions, node.UniqueIps, node.LastSeen is { } seen ? Time(seen) : null);
        }

        nodes.WriteTo(output);
    }

    private static void Counts(
        TextWriter output,
        string title,
        Dictionary<string, long> counts,
        IEnumerable<string> order)
    {
        output.WriteLine();
        var table = new TextTable(title, "Sessions");
        foreach (var label in order.Select(Labels.Kebab))
        {
            table.Add(label, counts.GetValueOrDefault(label));
        }

        table.WriteTo(output);
    }

    private static void Top(TextWriter output, string title, IReadOnlyList<TopEntry> entries)
    {
        output.WriteLine();
        var table = new TextTable(title, "Sessions");
        foreach (var entry in entries)
        {
            table.Add(entry.Value, entry.Sessions);
        }

        table.WriteTo(output);
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'",
        System.Globalization.CultureInfo.InvariantCulture);
}
