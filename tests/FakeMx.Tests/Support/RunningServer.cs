using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Server;
using FakeMx.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Tests.Support;

/// <summary>
/// The real FakeMX host, as <c>fakemx serve</c> builds it, on an ephemeral loopback port, with
/// its finished sessions and log lines captured for assertions.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _scratch;

    private RunningServer(WebApplication app, CapturedEvents events, CapturedLogs logs, string? scratch)
    {
        _app = app;
        _scratch = scratch;
        Events = events;
        Logs = logs;
        Port = app.Services.GetRequiredService<SmtpListeners>().Endpoints[0].Port;
        Metrics = new CapturedMetrics(app.Services.GetRequiredService<FakeMxMetrics>().Meter);
        HttpPort = app.Services.GetRequiredService<WebListener>().Endpoint?.Port ?? 0;
    }

    public const string Hostname = "mx.fakemx.test";

    public int Port { get; }

    /// <summary>The web endpoint's port (metrics, API, dashboard); 0 when it is off.</summary>
    public int HttpPort { get; }

    public CapturedEvents Events { get; }

    public CapturedLogs Logs { get; }

    /// <summary>Every measurement of this server's own meter since it started.</summary>
    public CapturedMetrics Metrics { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server; <paramref name="settings"/> are configuration keys and values,
    /// such as <c>("Smtp:DeferAt", "rcpt")</c>, applied like flags.</summary>
    public static Task<RunningServer> StartAsync(params (string Key, string Value)[] settings) =>
        StartCoreAsync(store: null, settings);

    /// <summary>Starts a server that records into the real event store at <paramref name="store"/>
    /// (a SQLite path or PostgreSQL connection string) instead of capturing events.</summary>
    public static Task<RunningServer> StartWithStoreAsync(string store, params (string Key, string Value)[] settings) =>
        StartCoreAsync(store, settings);

    private static async Task<RunningServer> StartCoreAsync(string? store, (string Key, string Value)[] settings)
    {
        // Servers that capture events still open a store: give each its own throwaway file.
        var scratch = store is null ? Directory.CreateTempSubdirectory("fakemx-server-").FullName : null;
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Smtp:Listen:0"] = "127.0.0.1:0",
            ["Http:Listen"] = "127.0.0.1:0",
            ["Smtp:Hostname"] = Hostname,
            ["Node"] = "test-node",
            ["Logging:LogLevel:Default"] = "Debug",
            ["Store:Location"] = store ?? Path.Combine(scratch!, "events.db"),

            // Tests make many sessions a minute from 127.0.0.1; the abuse tests set rates themselves.
            ["Abuse:ConnectionRatePerIp"] = "off",
            ["Abuse:ConnectionRatePerNetwork"] = "off",
        };
        foreach (var (key, value) in settings)
        {
            flags[key] = value;
        }

        var events = new CapturedEvents();
        var logs = new CapturedLogs();
        var app = FakeMxHost.Build(null, flags, builder =>
        {
            if (store is null)
            {
                builder.Services.AddSingleton<IEventSink>(events);
            }

            builder.Logging.AddProvider(logs);
        });

        await app.StartAsync();
        return new RunningServer(app, events, logs, scratch);
    }

    /// <summary>Signals shutdown the way SIGTERM does and waits for the host to stop.</summary>
    public async Task StopAsync()
    {
        _app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_scratch is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_scratch, recursive: true);
        }
    }
}
