namespace FakeMx.Events;

/// <summary>
/// Where and how finished sessions are recorded. Bound from the configuration section
/// <c>Store</c> (file, <c>FAKEMX__STORE__*</c> environment variables, then the flags of
/// <c>serve</c>), and checked by <see cref="Validate"/> before the server starts.
/// </summary>
public sealed class EventStoreOptions
{
    public const string Section = "Store";

    /// <summary>The SQLite file made when nothing else is named, in the working directory.</summary>
    public const string DefaultLocation = "fakemx.db";

    /// <summary>
    /// A SQLite file path, or a PostgreSQL connection string (<c>Host=...</c>) or URI
    /// (<c>postgresql://user:pass@host:port/db</c>) for a fleet writing to one database.
    /// Default: <c>fakemx.db</c> in the working directory, so a single node needs no setup.
    /// </summary>
    public string Location { get; set; } = DefaultLocation;

    /// <summary>
    /// Sessions older than this many days are deleted, at start and then hourly. Default 90:
    /// a quarter of history for trends and blocklists, a bounded database (0 keeps everything).
    /// </summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>
    /// Finished sessions waiting in memory for the writer. When it is full, new ones are
    /// dropped and counted, never waited for. Default 20000: about 20 MB at most, and several
    /// seconds of a bot flood or a short database outage.
    /// </summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>
    /// Sessions written per transaction, at most. Default 500: large enough that the commit
    /// cost vanishes, small enough that one batch is a few milliseconds of work.
    /// </summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Longest wait for a batch to fill before it is written anyway. Default 200 ms: events
    /// show up in <c>fakemx events --follow</c> and the dashboard almost at once.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Recipients stored by name per session; the true count is always kept. Default 100, the
    /// most the SMTP session itself remembers; lower it to save space on recipient floods.
    /// </summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>The problems with these options, one line each naming the flag; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Location))
        {
            problems.Add("--store: empty; give a SQLite file path or a PostgreSQL connection string");
        }
        else if (!StoreLocation.TryParse(Location, out var location, out var problem))
        {
            problems.Add($"--store: {problem}");
        }
        else if (location.Kind == StoreKind.Sqlite && !Directory.Exists(Path.GetDirectoryName(location.Target)))
        {
            problems.Add($"--store: the directory of '{location.Target}' does not exist; create it or give " +
                "another path");
        }

        if (RetentionDays < 0)
        {
            problems.Add($"--retention-days: {RetentionDays} is negative; use 0 to keep everything");
        }

        if (QueueCapacity < 1)
        {
            problems.Add($"--store-queue: {QueueCapacity} must be at least 1");
        }

        if (BatchSize < 1 || BatchSize > 10_000)
        {
            problems.Add($"--store-batch: {BatchSize} must be between 1 and 10000");
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add("Store:FlushInterval: must be between 1ms and 1m");
        }

        if (MaxRecipients < 0)
        {
            problems.Add($"--store-recipients: {MaxRecipients} is negative");
        }

        return problems;
    }
}
