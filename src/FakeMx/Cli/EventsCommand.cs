using System.CommandLine;
using System.Globalization;
using FakeMx.Events;
using FakeMx.Hosting;

namespace FakeMx.Cli;

/// <summary>
/// <c>fakemx events</c>: the recorded sessions themselves, oldest of the selection first, one
/// line each (or JSON lines with <c>--json</c>); <c>--follow</c> keeps printing new sessions
/// as the server stores them, until Ctrl+C.
/// </summary>
public static class EventsCommand
{
    /// <summary>How often <c>--follow</c> asks the store for new sessions.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var since = new Option<string>("--since")
        {
            Description = "Only sessions started since: a duration back from now (1h, 7d) or an ISO 8601 time",
            HelpName = "TIME",
        };
        var ip = new Option<string>("--ip") { Description = "Only this client address", HelpName = "IP" };
        var domain = new Option<string>("--domain")
        {
            Description = "Only sessions with a recipient in this domain",
            HelpName = "DOMAIN",
        };
        var limit = new Option<int>("--limit")
        {
            Description = "The most recent N sessions",
            HelpName = "N",
            DefaultValueFactory = _ => 50,
        };
        var follow = new Option<bool>("--follow")
        {
            Description = "Keep printing new sessions as they are stored, until Ctrl+C",
        };
        var json = StoreArguments.Json();
        var store = StoreArguments.Store();

        var command = new Command("events", "List recorded sessions, newest last; --follow to watch new ones");
        foreach (var option in new Option[] { since, ip, domain, limit, json, follow, store })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, _) => RunAsync(
            parse.GetValue(since), parse.GetValue(ip), parse.GetValue(domain), parse.GetValue(limit),
            parse.GetValue(json), parse.GetValue(follow), parse.GetValue(store)));
        return command;
    }

    private static async Task<int> RunAsync(
        string? sinceText,
        string? ip,
        string? domain,
        int limit,
        bool json,
        bool follow,
        string? storeText)
    {
        DateTimeOffset? since = null;
        if (sinceText is not null)
        {
            if (!StoreArguments.TryParseTime(sinceText, DateTimeOffset.UtcNow, out var parsed))
            {
                return Cli.Fail(ExitCodes.Usage, StoreArguments.BadTime("--since", sinceText));
            }

            since = parsed;
        }

        if (limit < 1)
        {
            return Cli.Fail(ExitCodes.Usage, $"--limit: {limit} must be at least 1");
        }

        if (ip is not null && !System.Net.IPAddress.TryParse(ip, out _))
        {
            return Cli.Fail(ExitCodes.Usage, $"--ip: '{ip}' is not an IPv4 or IPv6 address");
        }

        using var cancel = StoreArguments.CancelOnSignal();
        SqlEventStore store;
        IReadOnlyList<SessionEvent> latest;
        var query = new EventQuery(since, ip, domain, limit);
        try
        {
            store = await EventStores.OpenForReadingAsync(StoreArguments.Location(storeText), cancel.Token);
            latest = await store.GetEventsAsync(query, cancel.Token);
        }
        catch (StoreProblem problem)
        {
            return Cli.Fail(ExitCodes.Usage, problem.Message);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }

        await using (store)
        {
            var output = Console.Out;
            if (!json)
            {
                output.WriteLine(Header);
            }

            foreach (var sessionEvent in latest.Reverse())
            {
                Print(output, sessionEvent, json);
            }

            await output.FlushAsync();
            if (follow)
            {
                var newest = await store.GetEventsAsync(new EventQuery(Limit: 1), cancel.Token);
                var after = latest.Concat(newest).Select(e => e.Id ?? 0).DefaultIfEmpty(0).Max();
                await FollowAsync(store, query with { AfterId = after, Limit = 1000 }, json, output, cancel.Token);
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task FollowAsync(
        SqlEventStore store,
        EventQuery query,
        bool json,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        var complained = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var fresh = await store.GetEventsAsync(query, cancellationToken);
                foreach (var sessionEvent in fresh)
                {
                    Print(output, sessionEvent, json);
                }

                if (fresh.Count > 0)
                {
                    await output.FlushAsync(cancellationToken);
                    query = query with { AfterId = fresh[^1].Id };
                }

                complained = false;
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception error) when (error is System.Data.Common.DbException or TimeoutException)
            {
                // A store that went away (PostgreSQL restarting) is waited for, said once.
                if (!complained)
                {
                    Console.Error.WriteLine($"fakemx: reading the store failed ({error.Message}); retrying");
                    complained = true;
                }

                await Task.Delay(PollInterval * 4, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private const string Header =
        "START (UTC)              NODE          CLIENT                                   HELO                       " +
        "FROM                           RCPTS  STAGE    REPLY  END              MS";

    private static void Print(TextWriter output, SessionEvent e, bool json)
    {
        if (json)
        {
            output.WriteLine(EventJson.Serialize(e));
            return;
        }

        var client = e.ClientIp.Contains(':') ? $"[{e.ClientIp}]:{e.PeerPort}" : $"{e.ClientIp}:{e.PeerPort}";
        var from = e.MailFrom is null ? "-" : $"<{e.MailFrom}>";
        output.WriteLine(string.Join(" ",
            e.StartTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture).PadRight(24),
            Fit(e.Node, 13),
            Fit(client, 40),
            Fit(e.Helo ?? "-", 26),
            Fit(from, 30),
            e.RecipientCount.ToString(CultureInfo.InvariantCulture).PadLeft(5),
            Fit(Labels.Stage(e.Stage), 8),
            (e.ReplyCode?.ToString(CultureInfo.InvariantCulture) ?? "-").PadLeft(5),
            Fit(Labels.End(e.End), 16),
            e.DurationMs.ToString(CultureInfo.InvariantCulture).PadLeft(3)));
    }

    /// <summary>Pads to <paramref name="width"/>, or cuts with a "~" so columns stay aligned.</summary>
    private static string Fit(string text, int width) =>
        text.Length <= width ? text.PadRight(width) : text[..(width - 1)] + "~";
}
