using FakeMx.Events;
using FakeMx.Hosting;
using FakeMx.Server;
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

    private RunningServer(WebApplication app, CapturedEvents events, CapturedLogs logs)
    {
        _app = app;
        Events = events;
        Logs = logs;
        Port = app.Services.GetRequiredService<SmtpListeners>().Endpoints[0].Port;
        Metrics = new CapturedMetrics(app.Services.GetRequiredService<FakeMxMetrics>().Meter);
    }

    public const string Hostname = "mx.fakemx.test";

    public int Port { get; }

    public CapturedEvents Events { get; }

    public CapturedLogs Logs { get; }

    /// <summary>Every measurement of this server's own meter since it started.</summary>
    public CapturedMetrics Metrics { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server; <paramref name="settings"/> are configuration keys and values,
    /// such as <c>("Smtp:DeferAt", "rcpt")</c>, applied like flags.</summary>
    public static async Task<RunningServer> StartAsync(params (string Key, string Value)[] settings)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Smtp:Listen:0"] = "127.0.0.1:0",
            ["Smtp:Hostname"] = Hostname,
            ["Node"] = "test-node",
            ["Logging:LogLevel:Default"] = "Debug",
        };
        foreach (var (key, value) in settings)
        {
            flags[key] = value;
        }

        var events = new CapturedEvents();
        var logs = new CapturedLogs();
        var app = FakeMxHost.Build(null, flags, builder =>
        {
            builder.Services.AddSingleton<IEventSink>(events);
            builder.Logging.AddProvider(logs);
        });

        await app.StartAsync();
        return new RunningServer(app, events, logs);
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
    }
}
