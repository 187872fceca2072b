using System.CommandLine;
using System.Globalization;
using FakeMx.Events;
using FakeMx.Hosting;

namespace FakeMx.Cli;

/// <summary>
/// The options the store-reading verbs (<c>stats</c>, <c>events</c>) share, and their parsing:
/// which store, and times given either as a duration back from now (<c>24h</c>) or as an
/// ISO 8601 time (<c>2025-01-31T12:00:00Z</c>).
/// </summary>
public static class StoreArguments
{
    /// <summary>The environment variable <c>serve</c> also reads, so both find the same store.</summary>
    public const string EnvironmentVariable = "FAKEMX__STORE__LOCATION";

    public static Option<string> Store() => new("--store")
    {
        Description = "Event store to read: a SQLite file PATH, or a PostgreSQL connection string or " +
            $"postgresql:// URI (default: ${EnvironmentVariable}, else fakemx.db in the working directory)",
        HelpName = "PATH|CONNSTRING",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of a table" };

    /// <summary>The store named by <c>--store</c>, the environment, or the default file.</summary>
    public static string Location(string? given) =>
        given is { Length: > 0 } ? given
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : EventStoreOptions.DefaultLocation;

    /// <summary>Parses a point in time: a duration back from <paramref name="now"/>, or an absolute time.</summary>
    public static bool TryParseTime(string text, DateTimeOffset now, out DateTimeOffset time)
    {
        if (Duration.TryParse(text, out var ago))
        {
            time = now - ago;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    /// <summary>The message for a time that does not parse, naming the flag and the formats.</summary>
    public static string BadTime(string flag, string text) =>
        $"{flag}: '{text}' is not a time; use a duration back from now (such as 90m, 24h, 7d) " +
        "or an ISO 8601 time such as 2025-01-31T12:00:00Z";

    /// <summary>A token cancelled by Ctrl+C or SIGTERM, so a following verb ends cleanly with exit code 0.</summary>
    public static CancellationTokenSource CancelOnSignal()
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cancel.Cancel();
            });
        return cancel;
    }
}
