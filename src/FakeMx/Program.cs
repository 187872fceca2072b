using System.CommandLine;
using FakeMx.Cli;

var root = new RootCommand("FakeMX: a decoy lowest-priority MX that records every delivery attempt and " +
    "answers it with a temporary failure");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(StatsCommand.Create());
root.Subcommands.Add(EventsCommand.Create());

var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"fakemx: {error.Message}");
    }

    // The full verb path, so 'report effectiveness' is named as typed.
    var verbs = new List<string>();
    for (var result = parse.CommandResult; result is not null && result.Command != root;
         result = result.Parent as System.CommandLine.Parsing.CommandResult)
    {
        verbs.Insert(0, result.Command.Name);
    }

    Console.Error.WriteLine($"fakemx: see 'fakemx {string.Concat(verbs.Select(v => v + " "))}--help'");
    return ExitCodes.Usage;
}

// The host handles SIGTERM and SIGINT itself (graceful 421 to open sessions).
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
