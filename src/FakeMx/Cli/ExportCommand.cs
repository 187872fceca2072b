using System.CommandLine;
using FakeMx.Events;
using FakeMx.Reports;

namespace FakeMx.Cli;

/// <summary>
/// <c>fakemx export</c>: turns recorded clients into a blocklist (plain, cidr, postfix,
/// rbldnsd, nftables) or the matching sessions (csv, json), on standard output or atomically
/// into <c>--output FILE</c>.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format")
        {
            Description = $"What to write: {ExportRequest.Formats}",
            HelpName = "FORMAT",
            Required = true,
        };
        var since = new Option<string>("--since")
        {
            Description = "Only sessions this recent (default 7d)",
            HelpName = "DURATION",
        };
        var minSessions = new Option<string>("--min-sessions")
        {
            Description = "List an address after this many sessions (default 1)",
            HelpName = "N",
        };
        var pregreetOnly = new Option<bool>("--pregreet-only")
        {
            Description = "Only sessions whose client talked before the banner",
        };
        var family = new Option<string>("--family")
        {
            Description = "ipv4 or ipv6 only (default both; rbldnsd needs one)",
            HelpName = "FAMILY",
        };
        var allowList = new Option<string>("--allow-list")
        {
            Description = "Never export these: one address or CIDR per line, # comments (the server's format)",
            HelpName = "FILE",
        };
        var rejectText = new Option<string>("--reject-text")
        {
            Description = "Text of the Postfix REJECT and the rbldnsd TXT record " +
                $"(default \"{ExportCriteria.DefaultRejectText}\")",
            HelpName = "TEXT",
        };
        var output = new Option<string>("--output")
        {
            Description = "Write here, atomically (temporary file, fsync, rename), instead of standard output",
            HelpName = "FILE",
        };
        var store = StoreArguments.Store();

        var command = new Command("export", "Export recorded clients as a blocklist, or the matching sessions");
        foreach (var option in new Option[] { format, since, minSessions, pregreetOnly, family, allowList, rejectText,
                     output, store })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancel) => RunAsync(
            parse.GetValue(format),
            parse.GetValue(since),
            parse.GetValue(minSessions),
            parse.GetValue(pregreetOnly),
            parse.GetValue(family),
            parse.GetValue(allowList),
            parse.GetValue(rejectText),
            parse.GetValue(output),
            StoreArguments.Location(parse.GetValue(store)),
            cancel));
        return command;
    }

    private static async Task<int> RunAsync(
        string? format,
        string? since,
        string? minSessions,
        bool pregreetOnly,
        string? family,
        string? allowListPath,
        string? rejectText,
        string? output,
        string storeText,
        CancellationToken cancellationToken)
    {
        var allowList = AddressListFile.Empty;
        if (allowListPath is not null && !AddressListFile.TryLoad(allowListPath, out allowList, out var problems))
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"fakemx: --allow-list: {problem}");
            }

            return ExitCodes.Usage;
        }

        if (!ExportRequest.TryCreate(format, since, minSessions, pregreetOnly, family, rejectText, allowList,
                out var request, out var requestProblem))
        {
            return Cli.Fail(ExitCodes.Usage, requestProblem);
        }

        if (output is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(output))))
        {
            return Cli.Fail(ExitCodes.Usage, $"--output: the directory of '{output}' does not exist");
        }

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
            var service = new ExportService(store, TimeProvider.System, allowList);
            var (_, content) = await service.ExportAsync(request, cancellationToken);
            if (output is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(content, cancellationToken);
                return ExitCodes.Ok;
            }

            try
            {
                await AtomicFile.WriteAsync(output, content, cancellationToken);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return Cli.Fail(ExitCodes.Failure, $"--output: cannot write '{output}': {error.Message}");
            }
        }

        return ExitCodes.Ok;
    }
}
