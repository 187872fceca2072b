using System.CommandLine;
using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Reports;

namespace FakeMx.Cli;

/// <summary>
/// <c>fakemx report domains</c> (what each recipient domain attracted) and <c>fakemx report
/// effectiveness</c> (FakeMX sessions matched against the primary MX's Postfix log).
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var command = new Command("report", "Reports over recorded sessions: per domain, and effectiveness");
        command.Subcommands.Add(CreateDomains());
        command.Subcommands.Add(CreateEffectiveness());
        return command;
    }

    private static Command CreateDomains()
    {
        var since = new Option<string>("--since")
        {
            Description = "Only sessions this recent (default 30d)",
            HelpName = "DURATION",
        };
        var domain = new Option<string>("--domain")
        {
            Description = "Only this recipient domain (default every domain)",
            HelpName = "DOMAIN",
        };
        var top = new Option<int>("--top")
        {
            Description = "Entries per top list (default 10)",
            HelpName = "N",
            DefaultValueFactory = _ => 10,
        };
        var json = StoreArguments.Json();
        var store = StoreArguments.Store();

        var command = new Command("domains", "Per recipient domain: sessions, clients, senders, early talkers, trend");
        foreach (var option in new Option[] { since, domain, top, json, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancel) =>
        {
            var window = DomainReport.DefaultSince;
            var sinceText = parse.GetValue(since);
            if (sinceText is not null && (!Duration.TryParse(sinceText, out window) || window <= TimeSpan.Zero))
            {
                return Cli.Fail(ExitCodes.Usage, $"--since: '{sinceText}' is not a duration; use {Duration.Formats}");
            }

            if (parse.GetValue(top) is < 1 or > 1000)
            {
                return Cli.Fail(ExitCodes.Usage, "--top: use a number from 1 to 1000");
            }

            var location = StoreArguments.Location(parse.GetValue(store));
            return await WithStoreAsync(location, cancel, async eventStore =>
            {
                var service = new ExportService(eventStore, TimeProvider.System, AddressListFile.Empty);
                var report = await service.GetDomainReportAsync(
                    window, parse.GetValue(domain), parse.GetValue(top), cancel);
                return Print(report, parse.GetValue(json), report.WriteText);
            });
        });
        return command;
    }

    private static Command CreateEffectiveness()
    {
        var logs = new Option<string[]>("--postfix-log")
        {
            Description = "The primary MX's Postfix log (syslog or maillog_file); " +
                "repeat for rotated files, oldest first",
            HelpName = "FILE",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var window = new Option<string>("--window")
        {
            Description = "How long after a FakeMX session a delivery at the primary still counts (default 24h)",
            HelpName = "DURATION",
        };
        var anyNetwork = new Option<bool>("--any-network")
        {
            Description = "Match on sender and recipient only, even when the primary's client is in another " +
                "/24 or /48 (for senders that retry from scattered networks)",
        };
        var json = StoreArguments.Json();
        var store = StoreArguments.Store();

        var command = new Command("effectiveness",
            "Match FakeMX sessions against the primary MX's Postfix log: delayed legitimate mail, deterred, retried");
        foreach (var option in new Option[] { logs, window, anyNetwork, json, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancel) =>
        {
            var span = EffectivenessAnalyzer.DefaultWindow;
            var windowText = parse.GetValue(window);
            if (windowText is not null && (!Duration.TryParse(windowText, out span) || span <= TimeSpan.Zero))
            {
                return Cli.Fail(ExitCodes.Usage, $"--window: '{windowText}' is not a duration; use {Duration.Formats}");
            }

            var files = parse.GetValue(logs) ?? [];
            var missing = files.FirstOrDefault(f => !File.Exists(f));
            if (missing is not null)
            {
                return Cli.Fail(ExitCodes.Usage, $"--postfix-log: '{missing}' does not exist");
            }

            PostfixLog log;
            try
            {
                log = await PostfixLog.ReadFilesAsync(files, TimeZoneInfo.Local, cancel);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(ExitCodes.Failure, $"--postfix-log: cannot read it: {error.Message}");
            }

            var location = StoreArguments.Location(parse.GetValue(store));
            return await WithStoreAsync(location, cancel, async eventStore =>
            {
                var analyzer = new EffectivenessAnalyzer { Window = span, MatchNetwork = !parse.GetValue(anyNetwork) };
                var sessions = log.First is { } first
                    ? await EventPages.ReadAllAsync(eventStore, first - analyzer.ClockSlack, null, cancel)
                    : [];
                var report = analyzer.Analyze(sessions, log);
                return Print(report, parse.GetValue(json), report.WriteText);
            });
        });
        return command;
    }

    /// <summary>Writes a report as JSON or as text for people.</summary>
    private static int Print<T>(T report, bool json, Action<TextWriter> writeText)
    {
        if (json)
        {
            Console.Out.WriteLine(ReportJson.Serialize(report));
        }
        else
        {
            writeText(Console.Out);
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> WithStoreAsync(
        string storeText,
        CancellationToken cancellationToken,
        Func<IEventStore, Task<int>> action)
    {
        SqlEventStore store;
        try
        {
            store = await EventStores.OpenForReadingAsync(storeText, cancellationToken);
        }
        catch (StoreProblem problem)
        {
            return Cli.Fail(ExitCodes.Usage, problem.Message);
        }

        await using (store)
        {
            return await action(store);
        }
    }
}
