using System.Data.Common;
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

            // journal_mode is kept in the file; the others hold per connection.
            await ExecuteAsync(connection, null,
                $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMs};",
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
        var names = InsertColumns.Split(", ");
        await using var session = Command(connection, transaction,
            $"INSERT INTO sessions ({InsertColumns}) VALUES ({string.Join(", ", names.Select(n => "@" + n))}) " +
            "RETURNING id");
        var values = names.Select(n => Add(session, n, null)).ToArray();

        await using var recipient = Command(connection, transaction,
            "INSERT INTO session_recipients (session_id, position, address, domain) " +
            "VALUES (@session_id, @position, @address, @domain)");
        var sessionId = Add(recipient, "session_id", null);
        var position = Add(recipient, "position", null);
        var address = Add(recipient, "address", null);
        var domain = Add(recipient, "domain", null);

        foreach (var e in batch)
        {
            var row = RowOf(e, t => t.ToUnixTimeMilliseconds());
            for (var i = 0; i < row.Length; i++)
            {
                values[i].Value = row[i] ?? DBNull.Value;
            }

            var id = (long)(await session.ExecuteScalarAsync(cancellationToken))!;
            foreach (var (index, text, domainOf) in RecipientsOf(e))
            {
                sessionId.Value = id;
                position.Value = index;
                address.Value = text;
                domain.Value = domainOf;
                await recipient.ExecuteNonQueryAsync(cancellationToken);
            }
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
