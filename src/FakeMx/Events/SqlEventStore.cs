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
/// client network and sender domain; <c>session_recipients</c>, the capped recipient list with
/// each address's lower-cased domain; <c>schema_version</c>, one row per applied migration.
/// Labels (stage, outcome, end) are stored as their stable text so the tables read well in a
/// plain SQL shell.
///
/// Indexes serve the questions asked at 10 million rows: a time window (every query is
/// bounded by <c>start_time</c>), one client address (<c>client_ip, start_time</c>), one
/// recipient domain (<c>domain, session_id</c>).
/// </summary>
public abstract class SqlEventStore : IEventStore
{
    /// <summary>The columns of <c>sessions</c> an event is read from, in reading order.</summary>
    protected const string SessionColumns =
        "s.id, s.start_time, s.end_time, s.node, s.peer_ip, s.peer_port, s.local_endpoint, " +
        "s.proxy_client_ip, s.proxy_client_port, s.tls, s.tls_version, s.pregreet, s.helo, s.mail_from, " +
        "s.recipient_count, s.commands, s.errors, s.stage, s.session_end, s.deferred, s.reply_code, " +
        "s.reply_text, s.bytes_in, s.bytes_out";

    /// <summary>The columns of <c>sessions</c> a batch writes, in writing order (no id).</summary>
    protected const string InsertColumns =
        "start_time, end_time, node, peer_ip, peer_port, local_endpoint, proxy_client_ip, proxy_client_port, " +
        "client_ip, client_network, tls, tls_version, pregreet, helo, mail_from, sender_domain, " +
        "recipient_count, commands, errors, stage, outcome, session_end, deferred, reply_code, reply_text, " +
        "bytes_in, bytes_out";

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

    /// <summary>SQL for the bucket of <c>s.start_time</c>: steps of <c>@step_ms</c> from <c>@since</c>.</summary>
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

    public async Task InitializeAsync(CancellationToken cancellationToken)
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

        for (var version = current; version < Migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version], cancellationToken);
            await using var record = Command(connection, transaction,
                "INSERT INTO schema_version (version, applied_at) VALUES (@version, @at)");
            Add(record, "version", version + 1);
            Add(record, "at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
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

            var list = IdList(ids);
            await ExecuteAsync(connection, transaction,
                $"DELETE FROM session_recipients WHERE session_id IN ({list})", cancellationToken);
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

        string TopOfRecipients(string column) =>
            $"SELECT r.{column} AS v, COUNT(DISTINCT r.session_id) AS n FROM session_recipients r " +
            $"JOIN sessions s ON s.id = r.session_id WHERE {where} AND r.{column} <> '' " +
            $"GROUP BY r.{column} ORDER BY n DESC, v LIMIT @top";

        var topIps = await TopAsync(TopOfSessions("s.client_ip"));
        var topNetworks = await TopAsync(TopOfSessions("s.client_network"));
        var topHelos = await TopAsync(TopOfSessions("s.helo"));
        var topSenderDomains = await TopAsync(TopOfSessions("s.sender_domain"));
        var topRecipientDomains = await TopAsync(TopOfRecipients("domain"));
        var topRecipients = await TopAsync(TopOfRecipients("address"));

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
        var conditions = new List<string>();
        if (query.Since is not null)
        {
            conditions.Add("s.start_time >= @since");
        }

        if (!string.IsNullOrWhiteSpace(query.Ip))
        {
            conditions.Add("s.client_ip = @ip");
        }

        if (domain is not null)
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

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(connection, cancellationToken);
        var rows = new List<(long Id, Func<IReadOnlyList<string>, SessionEvent> Make)>();
        await using (var command = Command(connection, transaction,
            $"SELECT {SessionColumns} FROM sessions s {where} ORDER BY {order} LIMIT @limit"))
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

        var recipients = await ReadRecipientsAsync(connection, transaction, rows.Select(r => r.Id).ToList(),
            cancellationToken);
        return rows.Select(r => r.Make(recipients.TryGetValue(r.Id, out var list) ? list : [])).ToList();
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

    /// <summary>Begins a read-only snapshot so the several queries of one report agree.</summary>
    protected virtual Task<DbTransaction> BeginReadAsync(
        DbConnection connection,
        CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken).AsTask();

    /// <summary>The values of one row of <c>sessions</c>, in <see cref="InsertColumns"/> order.</summary>
    protected static object?[] RowOf(SessionEvent e, Func<DateTimeOffset, object> time) =>
    [
        time(e.StartTime), time(e.EndTime), e.Node, e.PeerIp, e.PeerPort, e.LocalEndpoint, e.ProxyClientIp,
        e.ProxyClientPort, e.ClientIp, ClientNetwork.Of(e.ClientIp), e.Tls, e.TlsVersion, e.Pregreet, e.Helo,
        e.MailFrom, SenderDomain(e.MailFrom), e.RecipientCount, e.Commands, e.Errors, Labels.Stage(e.Stage),
        OutcomeLabel(e.Outcome), Labels.End(e.End), e.Deferred, e.ReplyCode, e.ReplyText, e.BytesIn,
        e.BytesOut,
    ];

    /// <summary>The recipients of <paramref name="e"/> that are stored by name, with their domains.</summary>
    protected IEnumerable<(int Position, string Address, string Domain)> RecipientsOf(SessionEvent e) =>
        e.Recipients.Take(MaxRecipients).Select((r, i) => (i, r, SessionEvent.DomainOf(r)));

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
        "EXISTS (SELECT 1 FROM session_recipients d WHERE d.session_id = s.id AND d.domain = @domain)";

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

    private (long Id, Func<IReadOnlyList<string>, SessionEvent> Make) ReadSession(DbDataReader r)
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

        return (id, recipients => new SessionEvent
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
        });
    }

    private static async Task<Dictionary<long, IReadOnlyList<string>>> ReadRecipientsAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<long> ids,
        CancellationToken cancellationToken)
    {
        var byId = new Dictionary<long, IReadOnlyList<string>>();
        foreach (var chunk in ids.Chunk(500))
        {
            await using var command = Command(connection, transaction,
                $"SELECT session_id, address FROM session_recipients WHERE session_id IN ({IdList(chunk)}) " +
                "ORDER BY session_id, position");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                if (!byId.TryGetValue(id, out var list))
                {
                    list = new List<string>();
                    byId[id] = list;
                }

                ((List<string>)list).Add(reader.GetString(1));
            }
        }

        return byId;
    }
}
