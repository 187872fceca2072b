using FakeMx.Events;
using System.Net;
using FakeMx.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Web;

/// <summary>
/// Puts the HTTP endpoint into the host: its own Kestrel listener (HTTP/1.1, never on an SMTP
/// port), the token gate, and the routes <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>,
/// <c>/api/*</c> and the dashboard at <c>/</c>.
/// </summary>
public static class WebEndpoint
{
    /// <summary>Registers the endpoint's services; does nothing more when it is off.</summary>
    public static void AddServices(IServiceCollection services, HttpOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<WebListener>();
        services.AddSingleton<PrometheusExporter>();
        services.AddSingleton<HealthChecks>();
    }

    /// <summary>Adds the listener to Kestrel; called from the host's Kestrel configuration.</summary>
    public static void Listen(KestrelServerOptions kestrel, HttpOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        var listener = kestrel.ApplicationServices.GetRequiredService<WebListener>();
        void Http(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http1;
            listener.Set(listen);
        }

        if (options.Endpoint is null)
        {
            kestrel.ListenAnyIP(options.Port, Http);
        }
        else
        {
            kestrel.Listen(options.Endpoint, Http);
        }
    }

    /// <summary>Maps the routes on the built application.</summary>
    public static void Map(WebApplication app)
    {
        var options = app.Services.GetRequiredService<HttpOptions>();
        if (!options.Enabled)
        {
            return;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FakeMx.Web");
        var gate = new TokenGate(options, logger);
        app.Use((context, next) => gate.InvokeAsync(context, next));

        // Create the exporter now so it sees every measurement from the first session on.
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType));
        app.MapGet("/healthz", HealthzAsync);
        app.MapGet("/readyz", Readyz);
        ApiEndpoints.Map(app);
        DashboardAssets.Map(app);

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var bound = app.Services.GetRequiredService<WebListener>().Endpoint;
            WebLog.Listening(logger, bound?.ToString() ?? options.Listen,
                gate.Enabled ? "; token required" : string.Empty);
        });
    }

    private static async Task<IResult> HealthzAsync(
        HealthChecks health,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var checks = await health.CheckAsync(cancellationToken);
        var failing = checks.Where(c => !c.Value.Ok).ToList();
        var body = new
        {
            status = failing.Count == 0 ? "ok" : "failing",
            checks = checks.ToDictionary(c => c.Key, c => new { ok = c.Value.Ok, detail = c.Value.Detail }),
        };
        foreach (var (name, (_, detail)) in failing)
        {
            WebLog.Unhealthy(loggers.CreateLogger("FakeMx.Web"), name, detail);
        }

        return Results.Json(body, EventJson.Compact,
            statusCode: failing.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult Readyz(HealthChecks health)
    {
        var status = health.IsStopping ? "shutting down"
            : !health.IsStarted ? "starting"
            : !health.IsStoreReady ? "opening the event store"
            : "ready";
        return Results.Json(new { status }, EventJson.Compact,
            statusCode: status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
