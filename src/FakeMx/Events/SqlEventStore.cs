using System.Data.Common;
using System.Globalization;
using System.Text;
using FakeMx.Hosting;
using FakeMx.Smtp;

namespace FakeMx.Events;

/// <summary>
/// The queries both stores share, so SQLite and PostgreSQL give the same answers: one SQL text
/// per question, with the few dialect differences (how a time is stored, how it is bucketed,
/// how a batch is inserted) left to the subclass.
///
/// Schema (same meaning in both; see <see cref="Migrations"/>): <c>sessions</c>, one row per
/// SMTP session with every <see cref="SessionEvent"/> field plus the derived client address,
/// client network and sender domain, and two lists: the capped recipient list
/// (<c>recipients</c>) and its distinct lower-cased domains (<c>recipient_domains</c>), a JSON
/// array in SQLite and a <c>text[]</c> in PostgreSQL; <c>session_domains</c>, one
/// (domain, session id) pair per recipient domain of a session, the index of the
/// <c>--domain</c> filter; <c>schema_version</c>, one row per applied migration. Labels
/// (stage, outcome, end) are stored as their stable text so the tables read well in a plain
/// SQL shell.
///
/// Indexes serve the questions asked at 10 million rows, and each one costs every insert a
/// B-tree descent, so there are no others: a time window (every report and listing is bounded
/// or ordered by <c>start_time</c>: <c>sessions_start_time</c>); one client address
/// (<c>fakemx events --ip</c> finds a single bot among millions of sessions without a scan:
/// <c>sessions_client_ip</c> on <c>client_ip, start_time</c> in PostgreSQL, and in SQLite
/// <c>sessions_hour_client_ip</c> on the hour of <c>start_time</c> and <c>client_ip</c>, see
/// <see cref="IpFilter"/>); one recipient domain (the
/// <c>--domain</c> filter of every query probes <c>session_domains</c> by its primary key).
/// Recipients live in the session row rather than in a table of their own because a row per
/// recipient meant two more B-tree inserts per recipient, which measured as the largest single
/// cost of ingest; the top-recipient reports read the lists of the sessions in the window,
/// which the time index already selects.
/// </summary>
public abstract class SqlEventStore : IEventStore
{
    /// <summary>The columns of <c>sessions</c> an event is read from, in reading order.</summary>
    protected const string SessionColumns =
        "s.id, s.start_time, s.end_time, s.node, s.peer_ip, s.peer_port, s.local_endpoint, " +
        "s.proxy_client_ip, s.proxy_client_port, s.tls, s.tls_version, s.pregreet, s.helo, s.mail_from, " +
        "s.recipient_count, s.commands, s.errors, s.stage, s.session_end, s.deferred, s.reply_code, " +
        "s.reply_text, s.bytes_in, s.bytes_out, s.recipients";

    /// <summary>The columns of <c>sessions</c> a batch writes, in writing order (no id).</summary>
    protected const string InsertColumns =
        "start_time, end_time, node, peer_ip, peer_port, local_endpoint, proxy_client_ip, proxy_client_port, " +
        "client_ip, client_network, tls, tls_version, pregreet, helo, mail_from, sender_domain, " +
        "recipient_count, commands, errors, stage, outcome, session_end, deferred, reply_code, reply_text, " +
        "bytes_in, bytes_out, recipients, recipient_domains";

    /// <summary>Sessions deleted per transaction when pruning, so the writer is never held up long.</summary>
    private const int PruneChunk = 5000;

    /// <summary>The most points a time series may have; more is a mistake in the step.</summary>
    private const int MaxSeriesPoints = 10_000;

    protected SqlEventStore(StoreLocation location, int maxRecipients)
    {
        Location = location;
        MaxRecipients = maxRecipients;
    }

    public StoreLocation Location { get; }

    /// <summary>The schema version this build writes and reads.</summary>
    public int SchemaVersion => Migrations.Count;

    /// <summary>Recipients stored by name per session.</summary>
    protected int MaxRecipients { get; }

    /// <summary>The schema, as an ordered list: migration i brings version i to i + 1.</summary>
    protected abstract IReadOnlyList<string> Migrations { get; }

    /// <summary>
    /// SQL joining the elements of the list column <paramref name="column"/> of <c>s</c> as
    /// rows of <c>j</c>, each in <c>j.value</c>; starts with the joining keyword or comma.
    /// </summary>
    protected abstract string ElementsOf(string column);

    /// <summary>A list column (<c>recipients</c>) as read; empty for NULL.</summary>
    protected abstract IReadOnlyList<string> ReadList(DbDataReader reader, int ordinal);

    /// <summary>
    /// SQL for the time bucket of <c>s.start_time</c>, from <c>@since</c> in steps of <c>@step_ms</c>.
    /// </summary>
    protected abstract string BucketExpression { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins the transaction a migration runs in, holding off other migrators.</summary>
    protected abstract Task<DbTransaction> BeginMigrationAsync(
        DbConnection connection,
        CancellationToken cancellationToken);

    /// <summary>Inserts a batch within <paramref name="transaction"/>.</summary>
    protected abstract Task InsertAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<SessionEvent> batch,
        CancellationToken cancellationToken);

    /// <summary>A time as the store keeps it.</summary>
    protected abstract object ToDb(DateTimeOffset time);

    protected abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>The version the store holds after <see cref="InitializeAsync"/>, or 0 before.</summary>
    public int InitializedFrom { get; private set; }

    public Task InitializeAsync(CancellationToken cancellationToken) =>
        InitializeAsync(Migrations.Count, cancellationToken);

    /// <summary>
    /// Creates or migrates the schema up to <paramref name="version"/>: an older schema, for
    /// migration tests.
    /// </summary>
    internal async Task InitializeAsync(int version, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginMigrationAsync(connection, cancellationToken);

        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
            cancellationToken);
        var current = Convert.ToInt32(await ScalarAsync(connection, transaction,
            "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken), CultureInfo.InvariantCulture);
        InitializedFrom = current;

        if (current > Migrations.Count)
        {
            throw new StoreProblem($"{Location.Display} holds schema version {current}, newer than this FakeMX " +
                $"understands ({Migrations.Count}); upgrade fakemx");
        }

        for (var applied = current; applied < version; applied++)
        {
            await ExecuteAsync(connection, transaction, Migrations[applied], cancellationToken);
            await using var record = Command(connection, transaction,
                "INSERT INTO schema_version (version, applied_at) VALUES (@version, @at)");
            Add(record, "version", applied + 1);
            Add(record, "at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (with <c>@time0</c>, <c>@time1</c>... bound to
    /// <paramref name="times"/> as the store keeps times) and returns the first value: for tests
    /// that look beneath the interface, such as at a schema before migration.
    /// </summary>
    internal async Task<object?> ExecuteSqlAsync(string sql, params DateTimeOffset[] times)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = Command(connection, null, sql);
        for (var i = 0; i < times.Length; i++)
        {
            Add(command, $"time{i}", ToDb(times[i]));
        }

        return await command.ExecuteScalarAsync(CancellationToken.None);
    }

    public async Task WriteBatchAsync(IReadOnlyList<SessionEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertAsync(connection, transaction, batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        await using var connection = await OpenAsync(cancellationToken);
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var ids = new List<long>();
            await using (var select = Command(connection, transaction,
                $"SELECT id FROM sessions WHERE start_time < @cutoff ORDER BY id LIMIT {PruneChunk}"))
            {
                Add(select, "cutoff", ToDb(cutoff));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetInt64(0));
                }
            }

            if (ids.Count == 0)
            {
                return removed;
            }

            // The domain pairs are found from the sessions' own domain lists, so the delete
            // goes by the pairs' primary key instead of scanning for session ids.
            var list = IdList(ids);
            await ExecuteAsync(connection, transaction,
                "DELETE FROM session_domains WHERE (domain, session_id) IN (SELECT j.value, s.id FROM sessions s" +
                $"{ElementsOf("s.recipient_domains")} WHERE s.id IN ({list}))", cancellationToken);
            await ExecuteAsync(connection, transaction,
                $"DELETE FROM sessions WHERE id IN ({list})", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            removed += ids.Count;
        }
    }

    public async Task<StatsReport> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken)
    {
        var until = query.Until ?? DateTimeOffset.UtcNow;
        var domain = NormalizeDomain(query.Domain);
        var top = Math.Max(0, query.Top);

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        var where = WindowFilter(domain);

        void Bind(DbCommand command)
        {
            Add(command, "since", ToDb(query.Since));
            Add(command, "until", ToDb(until));
            Add(command, "top", top);
            if (domain is not null)
            {
                Add(command, "domain", domain);
            }
        }

        var outcomes = LabelCounts<SessionOutcome>();
        var stages = LabelCounts<SessionStage>();
        var ends = LabelCounts<SessionEnd>();
        ends.Remove(Labels.End(SessionEnd.Open));
        long sessions = 0, pregreet = 0;

        await using (var command = Command(connection, transaction,
            "SELECT s.outcome, s.stage, s.session_end, COUNT(*), SUM(CASE WHEN s.pregreet THEN 1 ELSE 0 END) " +
            $"FROM sessions s WHERE {where} GROUP BY s.outcome, s.stage, s.session_end"))
        {
            Bind(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var count = Long(reader, 3);
                sessions += count;
                pregreet += Long(reader, 4);
                Accumulate(outcomes, reader.GetString(0), count);
                Accumulate(stages, reader.GetString(1), count);
                Accumulate(ends, reader.GetString(2), count);
            }
        }

        long uniqueIps;
        await using (var command = Command(connection, transaction,
            $"SELECT COUNT(DISTINCT s.client_ip) FROM sessions s WHERE {where}"))
        {
            Bind(command);
            uniqueIps = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken),
                CultureInfo.InvariantCulture);
        }

        async Task<IReadOnlyList<TopEntry>> TopAsync(string sql)
        {
            await using var command = Command(connection, transaction, sql);
            Bind(command);
            var entries = new List<TopEntry>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new TopEntry(reader.GetString(0), Long(reader, 1)));
            }

            return entries;
        }

        string TopOfSessions(string column) =>
            $"SELECT {column} AS v, COUNT(*) AS n FROM sessions s WHERE {where} AND {column} IS NOT NULL " +
            $"AND {column} <> '' GROUP BY {column} ORDER BY n DESC, v LIMIT @top";

        // Counted in sessions: an address named twice in one session counts once.
        string TopOfRecipients(string column) =>
            $"SELECT j.value AS v, COUNT(DISTINCT s.id) AS n FROM sessions s{ElementsOf(column)} " +
            $"WHERE {where} AND j.value <> '' GROUP BY j.value ORDER BY n DESC, v LIMIT @top";

        var topIps = await TopAsync(TopOfSessions("s.client_ip"));
        var topNetworks = await TopAsync(TopOfSessions("s.client_network"));
        var topHelos = await TopAsync(TopOfSessions("s.helo"));
        var topSenderDomains = await TopAsync(TopOfSessions("s.sender_domain"));
        var topRecipientDomains = await TopAsync(TopOfRecipients("s.recipient_domains"));
        var topRecipients = await TopAsync(TopOfRecipients("s.recipients"));

        var nodes = new List<NodeStats>();
        await using (var command = Command(connection, transaction,
            "SELECT s.node, COUNT(*), COUNT(DISTINCT s.client_ip), MAX(s.start_time) " +
            $"FROM sessions s WHERE {where} GROUP BY s.node ORDER BY s.node"))
        {
            Bind(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                nodes.Add(new NodeStats(reader.GetString(0), Long(reader, 1), Long(reader, 2), ReadTime(reader, 3)));
            }
        }

        return new StatsReport
        {
            Since = query.Since,
            Until = until,
            Domain = domain,
            Sessions = sessions,
            UniqueIps = uniqueIps,
            Pregreet = pregreet,
            Outcomes = outcomes,
            Stages = stages,
            Ends = ends,
            TopIps = topIps,
            TopNetworks = topNetworks,
            TopHelos = topHelos,
            TopSenderDomains = topSenderDomains,
            TopRecipientDomains = topRecipientDomains,
            TopRecipients = topRecipients,
            Nodes = nodes,
        };
    }

    public async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(EventQuery query, CancellationToken cancellationToken)
    {
        var domain = NormalizeDomain(query.Domain);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        var rows = new List<SessionEvent>();
        await using (var command = Command(connection, transaction, EventsSql(query)))
        {
            Add(command, "limit", Math.Max(0, query.Limit));
            if (query.Since is { } since)
            {
                Add(command, "since", ToDb(since));
            }

            if (!string.IsNullOrWhiteSpace(query.Ip))
            {
                Add(command, "ip", query.Ip.Trim());
            }

            if (domain is not null)
            {
                Add(command, "domain", domain);
            }

            if (query.AfterId is { } after)
            {
                Add(command, "after", after);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(ReadSession(reader));
            }
        }

        return rows;
    }

    /// <summary>
    /// The SELECT that <see cref="GetEventsAsync"/> runs for <paramref name="query"/>, with
    /// <c>@limit</c>, <c>@since</c>, <c>@ip</c>, <c>@domain</c> and <c>@after</c> as it binds
    /// them: for tests that look at how the store plans it.
    /// </summary>
    internal string EventsSql(EventQuery query)
    {
        var conditions = new List<string>();
        if (query.Since is not null)
        {
            conditions.Add("s.start_time >= @since");
        }

        if (!string.IsNullOrWhiteSpace(query.Ip))
        {
            conditions.Add(IpFilter(query.Since is not null));
        }

        if (NormalizeDomain(query.Domain) is not null)
        {
            conditions.Add(DomainFilter);
        }

        // XXX: following by id assumes ids commit in order; on PostgreSQL two nodes committing at
        // the same instant can break that, and a running follower then misses the earlier id.
        if (query.AfterId is not null)
        {
            conditions.Add("s.id > @after");
        }

        var where = conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
        var order = query.AfterId is null ? "s.start_time DESC, s.id DESC" : "s.id";
        return $"SELECT {SessionColumns} FROM sessions s {where} ORDER BY {order} LIMIT @limit";
    }

    public async Task<IReadOnlyList<TimeSeriesPoint>> GetTimeSeriesAsync(
        DateTimeOffset since,
        TimeSpan step,
        string? domain,
        CancellationToken cancellationToken)
    {
        var stepMs = (long)step.TotalMilliseconds;
        if (stepMs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be at least 1 ms.");
        }

        var until = DateTimeOffset.UtcNow;
        var points = (long)Math.Ceiling((until - since).TotalMilliseconds / stepMs);
        if (points > MaxSeriesPoints)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step,
                $"{points} points asked for; at most {MaxSeriesPoints}: use a longer step.");
        }

        domain = NormalizeDomain(domain);
        var series = new List<Dictionary<string, long>>();
        for (var i = 0; i < Math.Max(points, 0); i++)
        {
            series.Add(LabelCounts<SessionOutcome>());
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        await using (var command = Command(connection, transaction,
            $"SELECT {BucketExpression} AS b, s.outcome, COUNT(*) FROM sessions s WHERE {WindowFilter(domain)} " +
            "GROUP BY b, s.outcome"))
        {
            Add(command, "since", ToDb(since));
            Add(command, "until", ToDb(until));
            Add(command, "step_ms", stepMs);
            if (domain is not null)
            {
                Add(command, "domain", domain);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var bucket = Long(reader, 0);
                if (bucket >= 0 && bucket < series.Count)
                {
                    Accumulate(series[(int)bucket], reader.GetString(1), Long(reader, 2));
                }
            }
        }

        return series.Select((counts, i) => new TimeSeriesPoint(since.AddMilliseconds(i * (double)stepMs), counts))
            .ToList();
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// The condition selecting the sessions of one client address, <c>@ip</c>, by the store's
    /// own index; <paramref name="bounded"/> when the query also has <c>@since</c>.
    /// </summary>
    protected virtual string IpFilter(bool bounded) => "s.client_ip = @ip";

    /// <summary>Begins a read-only snapshot so the several queries of one report agree.</summary>
    protected virtual Task<DbTransaction> BeginReadAsync(
        DbConnection connection,
        CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken).AsTask();

    /// <summary>
    /// The recipients of <paramref name="e"/> that are stored by name: the first
    /// <see cref="MaxRecipients"/>.
    /// </summary>
    protected IReadOnlyList<string> RecipientsOf(SessionEvent e) =>
        e.Recipients.Count <= MaxRecipients ? e.Recipients : e.Recipients.Take(MaxRecipients).ToArray();

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    protected static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    protected static async Task ExecuteAsync(
        DbConnection connection,
        DbTransaction? transaction,
        string sql,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected static async Task<object?> ScalarAsync(
        DbConnection connection,
        DbTransaction? transaction,
        string sql,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private const string DomainFilter =
        "EXISTS (SELECT 1 FROM session_domains d WHERE d.domain = @domain AND d.session_id = s.id)";

    private static string WindowFilter(string? domain) =>
        "s.start_time >= @since AND s.start_time < @until" + (domain is null ? string.Empty : " AND " + DomainFilter);

    private static string? NormalizeDomain(string? domain) =>
        string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimStart('@').ToLowerInvariant();

    /// <summary>The stable label of an outcome, without allocating.</summary>
    protected static string OutcomeLabel(SessionOutcome outcome) => OutcomeLabels[(int)outcome];

    private static readonly string[] OutcomeLabels = Enum.GetNames<SessionOutcome>().Select(Labels.Kebab).ToArray();

    protected static string? SenderDomain(string? mailFrom) =>
        mailFrom is null ? null : SessionEvent.DomainOf(mailFrom) is { Length: > 0 } domain ? domain : null;

    private static Dictionary<string, long> LabelCounts<T>()
        where T : struct, Enum => Enum.GetNames<T>().ToDictionary(Labels.Kebab, _ => 0L);

    private static void Accumulate(Dictionary<string, long> counts, string label, long count) =>
        counts[label] = counts.GetValueOrDefault(label) + count;

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static string IdList(IEnumerable<long> ids) =>
        string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));

    private SessionEvent ReadSession(DbDataReader r)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        int? Int(int i) => r.IsDBNull(i) ? null : Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

        var id = r.GetInt64(0);
        var start = ReadTime(r, 1);
        var end = ReadTime(r, 2);
        var node = r.GetString(3);
        var peerIp = r.GetString(4);
        var peerPort = Int(5) ?? 0;
        var local = r.GetString(6);
        var proxyIp = Text(7);
        var proxyPort = Int(8);
        var tls = r.GetBoolean(9);
        var tlsVersion = Text(10);
        var pregreet = r.GetBoolean(11);
        var helo = Text(12);
        var mailFrom = Text(13);
        var recipientCount = Int(14) ?? 0;
        var commands = Int(15) ?? 0;
        var errors = Int(16) ?? 0;
        Labels.TryParse<SessionStage>(r.GetString(17), out var stage);
        Labels.TryParse<SessionEnd>(r.GetString(18), out var sessionEnd);
        var deferred = r.GetBoolean(19);
        var replyCode = Int(20);
        var replyText = Text(21);
        var bytesIn = Long(r, 22);
        var bytesOut = Long(r, 23);
        var recipients = ReadList(r, 24);

        return new SessionEvent
        {
            Id = id,
            StartTime = start,
            EndTime = end,
            Node = node,
            PeerIp = peerIp,
            PeerPort = peerPort,
            LocalEndpoint = local,
            ProxyClientIp = proxyIp,
            ProxyClientPort = proxyPort,
            Tls = tls,
            TlsVersion = tlsVersion,
            Pregreet = pregreet,
            Helo = helo,
            MailFrom = mailFrom,
            Recipients = recipients,
            RecipientCount = recipientCount,
            Commands = commands,
            Errors = errors,
            Stage = stage,
            End = sessionEnd,
            Deferred = deferred,
            ReplyCode = replyCode,
            ReplyText = replyText,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
        };
    }
}
