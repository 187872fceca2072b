using System.Diagnostics.Metrics;
using FakeMx.Events;
using FakeMx.Smtp;

namespace FakeMx.Hosting;

/// <summary>
/// Every metric FakeMX records, on one <see cref="Meter"/>, named in OpenTelemetry style with
/// units. Label values are fixed sets (stage, end, verb, code, reason), never client text.
/// </summary>
public sealed class FakeMxMetrics : IDisposable
{
    public const string MeterName = "FakeMx";

    private static readonly string[] Outcomes = Enum.GetNames<SessionOutcome>().Select(Labels.Kebab).ToArray();

    private readonly Meter _meter;
    private readonly Counter<long> _sessions;
    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _replies;
    private readonly Histogram<double> _sessionDuration;
    private readonly Counter<long> _pregreet;
    private readonly Counter<long> _nonSmtp;
    private readonly Counter<long> _eventsWritten;
    private readonly Counter<long> _eventsDropped;
    private readonly Counter<long> _storeFailures;
    private readonly Histogram<double> _storeWriteDuration;
    private readonly Counter<long> _tlsHandshakes;
    private readonly Counter<long> _proxyHeaders;
    private readonly UpDownCounter<long> _tarpitted;
    private Func<long>? _eventQueueDepth;

    public FakeMxMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _sessions = _meter.CreateCounter<long>("fakemx.smtp.sessions", "{session}",
            "SMTP sessions finished, by the furthest stage reached, how they ended and their outcome.");
        _activeConnections = _meter.CreateUpDownCounter<long>("fakemx.smtp.active_connections",
            "{connection}", "SMTP connections open now.");
        _refused = _meter.CreateCounter<long>("fakemx.smtp.connections_refused", "{connection}",
            "SMTP connections refused at connect, by reason.");
        _commands = _meter.CreateCounter<long>("fakemx.smtp.commands", "{command}",
            "SMTP commands received, by verb.");
        _replies = _meter.CreateCounter<long>("fakemx.smtp.replies", "{reply}",
            "SMTP replies sent, by code.");
        _sessionDuration = _meter.CreateHistogram<double>("fakemx.smtp.session.duration", "s",
            "How long SMTP sessions lasted.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
            });
        _pregreet = _meter.CreateCounter<long>("fakemx.smtp.pregreet", "{session}",
            "SMTP clients that talked before the banner (early talkers).");
        _nonSmtp = _meter.CreateCounter<long>("fakemx.smtp.non_smtp", "{session}",
            "Connections that spoke another protocol on the SMTP port, by protocol (http, tls, proxy).");
        _tlsHandshakes = _meter.CreateCounter<long>("fakemx.smtp.tls_handshakes", "{handshake}",
            "TLS handshakes after STARTTLS, by result and protocol version.");
        _proxyHeaders = _meter.CreateCounter<long>("fakemx.smtp.proxy_headers", "{header}",
            "PROXY protocol headers from trusted proxies, by result.");
        _tarpitted = _meter.CreateUpDownCounter<long>("fakemx.smtp.tarpit.sessions", "{session}",
            "SMTP sessions being tarpitted now.");

        _eventsWritten = _meter.CreateCounter<long>("fakemx.events.written", "{event}",
            "Session events committed to the store.");
        _eventsDropped = _meter.CreateCounter<long>("fakemx.events.dropped", "{event}",
            "Session events not recorded: the queue was full, or the store was down at exit.");
        _storeFailures = _meter.CreateCounter<long>("fakemx.store.write_failures", "{batch}",
            "Batch writes (or store openings) that failed and will be retried.");
        _storeWriteDuration = _meter.CreateHistogram<double>("fakemx.store.write.duration", "s",
            "How long one batch took to commit.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
            });
        _meter.CreateObservableGauge("fakemx.events.queue_depth", () => _eventQueueDepth?.Invoke() ?? 0,
            "{event}", "Session events waiting in memory for the store writer.");
    }

    /// <summary>The meter, for exporters and tests that listen to it.</summary>
    public Meter Meter => _meter;

    public void ConnectionOpened() => _activeConnections.Add(1);

    public void ConnectionClosed() => _activeConnections.Add(-1);

    public void ConnectionRefused(string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Command(SmtpVerb verb) =>
        _commands.Add(1, new KeyValuePair<string, object?>("verb", Labels.Verb(verb)));

    public void Reply(int code) =>
        _replies.Add(1, new KeyValuePair<string, object?>("code", Labels.Code(code)));

    public void SessionFinished(SessionStage stage, SessionEnd end, bool deferred, TimeSpan duration)
    {
        _sessions.Add(1,
            new KeyValuePair<string, object?>("stage", Labels.Stage(stage)),
            new KeyValuePair<string, object?>("end", Labels.End(end)),
            new KeyValuePair<string, object?>("outcome", Outcomes[(int)SessionOutcomes.Classify(deferred, end)]));
        _sessionDuration.Record(duration.TotalSeconds);
    }

    /// <summary>A client talked before the banner.</summary>
    public void Pregreet() => _pregreet.Add(1);

    /// <summary>A client spoke <paramref name="protocol"/> (http, tls, proxy) instead of SMTP.</summary>
    public void NonSmtp(string protocol) =>
        _nonSmtp.Add(1, new KeyValuePair<string, object?>("protocol", protocol));

    public void TlsHandshake(string result, string version) =>
        _tlsHandshakes.Add(1,
            new KeyValuePair<string, object?>("result", result),
            new KeyValuePair<string, object?>("version", version));

    public void ProxyHeader(string result) =>
        _proxyHeaders.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Tarpitted(int delta) => _tarpitted.Add(delta);

    /// <summary>Reports the event queue's depth through <paramref name="depth"/> from now on.</summary>
    public void TrackEventQueue(Func<long> depth) => _eventQueueDepth = depth;

    public void EventsWritten(int count, TimeSpan duration)
    {
        _eventsWritten.Add(count);
        _storeWriteDuration.Record(duration.TotalSeconds);
    }

    public void EventsDropped(long count) => _eventsDropped.Add(count);

    public void StoreWriteFailed() => _storeFailures.Add(1);

    public void Dispose() => _meter.Dispose();
}
