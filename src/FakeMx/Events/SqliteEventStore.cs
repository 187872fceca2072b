using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FakeMx.Events;

/// <summary>
/// The default store: one SQLite file, in WAL mode so the CLI and the API read while the
/// server writes, with <c>synchronous=NORMAL</c>.
///
/// What a hard kill can lose: WAL mode with <c>synchronous=NORMAL</c> never corrupts the file
/// on a process crash or SIGKILL; every committed batch survives the process dying (the
/// operating system holds the written pages). Lost are only the batch being written at that
/// instant and the sessions still in the in-memory queue: at the defaults at most 500 + 20,000
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
    ];

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

    protected override async Task InsertAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<SessionEvent> batch,
        CancellationToken cancellationToken)
    {
        // The batch holds the write lock (an IMMEDIATE transaction), so ids can be handed out
        // here, as AUTOINCREMENT would: one more than any id ever used. That lets many rows go
        // in one statement, which is what makes SQLite fast, and recipients name their session.
        var next = 1 + Convert.ToInt64(await ScalarAsync(connection, transaction,
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sessions'), 0), " +
            "COALESCE((SELECT MAX(id) FROM sessions), 0))", cancellationToken), CultureInfo.InvariantCulture);

        var sessionRows = new List<object?[]>(batch.Count);
        var recipientRows = new List<object?[]>(batch.Count * 2);
        foreach (var e in batch)
        {
            var id = next++;
            sessionRows.Add([id, .. RowOf(e, t => t.ToUnixTimeMilliseconds())]);
            foreach (var (position, address, domain) in RecipientsOf(e))
            {
                recipientRows.Add([id, position, address, domain]);
            }
        }

        await InsertRowsAsync(connection, transaction, "sessions", "id, " + InsertColumns, sessionRows, 100,
            cancellationToken);
        await InsertRowsAsync(connection, transaction, "session_recipients", "session_id, position, address, domain",
            recipientRows, 250, cancellationToken);
    }

    /// <summary>
    /// Inserts rows <paramref name="perStatement"/> at a time, as multi-row INSERTs with the
    /// values written as SQL literals. Bound parameters would be the usual choice, but SQLite
    /// finds each named parameter by a linear search, so a wide multi-row statement spends most
    /// of its time binding, and single-row statements pay the per-statement cost 500 times a
    /// batch; literals measured several times faster. Every value is a number or a string
    /// quoted by <see cref="AppendLiteral"/>, so no text can escape its literal.
    /// </summary>
    private static async Task InsertRowsAsync(
        DbConnection connection,
        DbTransaction transaction,
        string table,
        string columns,
        List<object?[]> rows,
        int perStatement,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder();
        foreach (var chunk in rows.Chunk(perStatement))
        {
            sql.Clear().Append("INSERT INTO ").Append(table).Append(" (").Append(columns).Append(") VALUES ");
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ",(");
                for (var c = 0; c < chunk[r].Length; c++)
                {
                    if (c > 0)
                    {
                        sql.Append(',');
                    }

                    AppendLiteral(sql, chunk[r][c]);
                }

                sql.Append(')');
            }

            await ExecuteAsync(connection, transaction, sql.ToString(), cancellationToken);
        }
    }

    /// <summary>Writes a value as a SQLite literal: NULL, an integer, or a quoted string.</summary>
    private static void AppendLiteral(StringBuilder sql, object? value)
    {
        switch (value)
        {
            case null:
                sql.Append("NULL");
                break;
            case bool flag:
                sql.Append(flag ? '1' : '0');
                break;
            case int number:
                sql.Append(number.ToString(CultureInfo.InvariantCulture));
                break;
            case long number:
                sql.Append(number.ToString(CultureInfo.InvariantCulture));
                break;
            case string text:
                // Doubling quotes is SQLite's only escape; a NUL would end the text early in C.
                sql.Append('\'').Append(text.Replace("'", "''").Replace("\0", string.Empty)).Append('\'');
                break;
            default:
                throw new ArgumentException($"no SQLite literal for {value.GetType().Name}", nameof(value));
        }
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
