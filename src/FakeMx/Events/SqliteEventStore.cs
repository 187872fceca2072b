using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using FakeMx.Hosting;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FakeMx.Events;

/// <summary>
/// The default store: one SQLite file, in WAL mode so the CLI and the API read while the
/// server writes, with <c>synchronous=NORMAL</c>.
///
/// What a hard kill can lose: WAL mode with <c>synchronous=NORMAL</c> never corrupts the file
/// on a process crash or SIGKILL; every committed batch survives the process dying (the
/// operating system holds the written pages). Lost are only the batch being written at that
/// instant and the sessions still in the in-memory queue: at the defaults at most 2,000 + 20,000
/// sessions, and in normal operation about 200 ms of sessions. A power failure or kernel crash
/// can also lose the last commits that were not yet checkpointed to disk, never the file.
/// </summary>
public sealed class SqliteEventStore : SqlEventStore
{
    /// <summary>How long a statement waits for another process's lock before failing.</summary>
    public const int BusyTimeoutMs = 5000;

    private readonly string _connectionString;

    /// <param name="location">The SQLite file.</param>
    /// <param name="maxRecipients">Recipients stored by name per session.</param>
    /// <param name="create">True for the server, which creates a missing file; the CLI never does.</param>
    public SqliteEventStore(StoreLocation location, int maxRecipients = 100, bool create = true)
        : base(location, maxRecipients)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = location.Target,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    protected override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            node TEXT NOT NULL,
            peer_ip TEXT NOT NULL,
            peer_port INTEGER NOT NULL,
            local_endpoint TEXT NOT NULL,
            proxy_client_ip TEXT,
            proxy_client_port INTEGER,
            client_ip TEXT NOT NULL,
            client_network TEXT,
            tls INTEGER NOT NULL,
            tls_version TEXT,
            pregreet INTEGER NOT NULL,
            helo TEXT,
            mail_from TEXT,
            sender_domain TEXT,
            recipient_count INTEGER NOT NULL,
            commands INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            stage TEXT NOT NULL,
            outcome TEXT NOT NULL,
            session_end TEXT NOT NULL,
            deferred INTEGER NOT NULL,
            reply_code INTEGER,
            reply_text TEXT,
            bytes_in INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL
        );
        CREATE INDEX sessions_start_time ON sessions (start_time);
        CREATE INDEX sessions_client_ip ON sessions (client_ip, start_time);
        CREATE TABLE session_recipients (
            session_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            address TEXT NOT NULL,
            domain TEXT NOT NULL,
            PRIMARY KEY (session_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX session_recipients_domain ON session_recipients (domain, session_id);
        """,

        // Version 2: recipients move into the session row (a JSON array, with the distinct
        // domains beside it), and only the (domain, session) pairs keep a table, for the
        // --domain filter: two B-tree inserts per recipient become one per distinct domain.
        """
        ALTER TABLE sessions ADD COLUMN recipients TEXT;
        ALTER TABLE sessions ADD COLUMN recipient_domains TEXT;
        UPDATE sessions SET
            recipients = (SELECT json_group_array(address) FROM (SELECT address FROM session_recipients r
                WHERE r.session_id = sessions.id ORDER BY position)),
            recipient_domains = (SELECT json_group_array(domain) FROM (SELECT domain FROM session_recipients r
                WHERE r.session_id = sessions.id AND domain <> '' GROUP BY domain ORDER BY MIN(position)))
            WHERE id IN (SELECT session_id FROM session_recipients);
        CREATE TABLE session_domains (
            domain TEXT NOT NULL,
            session_id INTEGER NOT NULL,
            PRIMARY KEY (domain, session_id)
        ) WITHOUT ROWID;
        INSERT INTO session_domains (domain, session_id)
            SELECT DISTINCT domain, session_id FROM session_recipients WHERE domain <> '';
        DROP TABLE session_recipients;
        """,

        // Version 3: the client-address index leads with the hour of the session's start. Keyed
        // by address alone, every session inserted at a random place in it, and once it
        // outgrew the page cache each session dirtied a page of its own (at a million sessions
        // that halved ingest); keyed by hour first, new entries land in the current hour's
        // small, cached part. IpFilter probes it hour by hour.
        """
        DROP INDEX sessions_client_ip;
        CREATE INDEX sessions_hour_client_ip ON sessions (start_time / 3600000, client_ip);
        """,
    ];

    /// <summary>The width of the hour key of <c>sessions_hour_client_ip</c>, in milliseconds.</summary>
    private const long HourMs = 3_600_000;

    /// <summary>
    /// The sessions of <c>@ip</c> through <c>sessions_hour_client_ip</c>: one seek per hour,
    /// from the hour of the oldest session in the window (at or after <c>@since</c> when
    /// <paramref name="bounded"/>, else in the store) to the hour of the newest, so the answer
    /// is the same as filtering on the address alone. The bounds come from the time index's
    /// two ends (two single-value lookups), so an empty window probes no hour; 90 days of
    /// retention are about 2,200 seeks, a few milliseconds.
    /// </summary>
    protected override string IpFilter(bool bounded) =>
        $"s.start_time / {HourMs} IN (WITH RECURSIVE hours(h) AS (" +
        $"SELECT (SELECT MIN(start_time) FROM sessions{(bounded ? " WHERE start_time >= @since" : "")}) / {HourMs} " +
        $"UNION ALL SELECT h + 1 FROM hours WHERE h < (SELECT MAX(start_time) FROM sessions) / {HourMs}) " +
        "SELECT h FROM hours) AND s.client_ip = @ip";

    /// <summary>Milliseconds since the Unix epoch, UTC: the time column type.</summary>
    protected override string BucketExpression => "(s.start_time - @since) / @step_ms";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);

            // journal_mode is kept in the file; the others hold per connection. A 16 MB page
            // cache keeps the indexes' hot pages in memory while a batch goes in.
            await ExecuteAsync(connection, null,
                $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMs}; " +
                "PRAGMA cache_size=-16384;",
                cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // IMMEDIATE takes the write lock at once, so two processes never both migrate.
    protected override Task<DbTransaction> BeginMigrationAsync(
        DbConnection connection,
        CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    protected override Task<DbTransaction> BeginReadAsync(
        DbConnection connection,
        CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    protected override object ToDb(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    protected override Task InsertAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<SessionEvent> batch,
        CancellationToken cancellationToken)
    {
        // One prepared single-row INSERT per table, its parameters bound by position, stepped
        // once per row inside the batch's transaction: SQLite's own bulk-load path. It goes
        // through the connection's native handle because Microsoft.Data.Sqlite binds every
        // parameter by name on every execution (a linear search per parameter) and wraps each
        // step in a data reader; that wrapping cost more than SQLite's own work per row.
        var db = ((SqliteConnection)connection).Handle!;
        using var sessions = Prepare(db, SessionsInsert);
        using var domainPairs = Prepare(db,
            "INSERT OR IGNORE INTO session_domains (domain, session_id) VALUES (?1, ?2)");
        var domains = new List<string>();
        var json = new ArrayBufferWriter<byte>(256);
        using var jsonWriter = new Utf8JsonWriter(json);

        foreach (var e in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var recipients = RecipientsOf(e);
            SessionEvent.DomainsOf(recipients, domains);

            var p = 1;
            Integer(sessions, p++, e.StartTime.ToUnixTimeMilliseconds());
            Integer(sessions, p++, e.EndTime.ToUnixTimeMilliseconds());
            Text(sessions, p++, e.Node);
            Text(sessions, p++, e.PeerIp);
            Integer(sessions, p++, e.PeerPort);
            Text(sessions, p++, e.LocalEndpoint);
            Text(sessions, p++, e.ProxyClientIp);
            Integer(sessions, p++, e.ProxyClientPort);
            Text(sessions, p++, e.ClientIp);
            Text(sessions, p++, ClientNetwork.Of(e.ClientIp));
            Integer(sessions, p++, e.Tls ? 1 : 0);
            Text(sessions, p++, e.TlsVersion);
            Integer(sessions, p++, e.Pregreet ? 1 : 0);
            Text(sessions, p++, e.Helo);
            Text(sessions, p++, e.MailFrom);
            Text(sessions, p++, SenderDomain(e.MailFrom));
            Integer(sessions, p++, e.RecipientCount);
            Integer(sessions, p++, e.Commands);
            Integer(sessions, p++, e.Errors);
            Text(sessions, p++, Labels.Stage(e.Stage));
            Text(sessions, p++, OutcomeLabel(e.Outcome));
            Text(sessions, p++, Labels.End(e.End));
            Integer(sessions, p++, e.Deferred ? 1 : 0);
            Integer(sessions, p++, e.ReplyCode);
            Text(sessions, p++, e.ReplyText);
            Integer(sessions, p++, e.BytesIn);
            Integer(sessions, p++, e.BytesOut);
            JsonList(sessions, p++, recipients, json, jsonWriter);
            JsonList(sessions, p, domains, json, jsonWriter);
            Step(db, sessions);

            var id = raw.sqlite3_last_insert_rowid(db);
            foreach (var domain in domains)
            {
                Text(domainPairs, 1, domain);
                Integer(domainPairs, 2, id);
                Step(db, domainPairs);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The single-row INSERT of <c>sessions</c>, one positional parameter per column.</summary>
    private static readonly string SessionsInsert =
        $"INSERT INTO sessions ({InsertColumns}) VALUES (" +
        string.Join(", ", Enumerable.Range(1, InsertColumns.Split(',').Length).Select(i => $"?{i}")) + ")";

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return statement;
    }

    /// <summary>Runs the statement once (an INSERT: no rows) and makes it ready for the next values.</summary>
    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    private static void Integer(sqlite3_stmt statement, int index, long? value) =>
        Check(value is { } number
            ? raw.sqlite3_bind_int64(statement, index, number)
            : raw.sqlite3_bind_null(statement, index));

    private static void Text(sqlite3_stmt statement, int index, string? value) =>
        Check(value switch
        {
            null => raw.sqlite3_bind_null(statement, index),

            // An empty span would reach SQLite as a null pointer, which binds NULL, not ''.
            "" => raw.sqlite3_bind_text(statement, index, string.Empty),
            _ => raw.sqlite3_bind_text16(statement, index, value),
        });

    /// <summary>
    /// A list as a JSON array of strings (NULL when empty), bound as UTF-8 without a copy to a
    /// string.
    /// </summary>
    private static void JsonList(
        sqlite3_stmt statement,
        int index,
        IReadOnlyList<string> values,
        ArrayBufferWriter<byte> buffer,
        Utf8JsonWriter writer)
    {
        if (values.Count == 0)
        {
            Check(raw.sqlite3_bind_null(statement, index));
            return;
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
        writer.Flush();
        Check(raw.sqlite3_bind_text(statement, index, buffer.WrittenSpan));
    }

    /// <summary>Binding fails only on a wrong index or a value too large: a bug, not a store outage.</summary>
    private static void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"SQLite refused a bound value: error {rc}");
        }
    }

    protected override string ElementsOf(string column) => $", json_each({column}) AS j";

    protected override IReadOnlyList<string> ReadList(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : JsonSerializer.Deserialize<string[]>(reader.GetString(ordinal)) ?? [];

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
