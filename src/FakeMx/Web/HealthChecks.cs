using FakeMx.Events;
using FakeMx.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FakeMx.Web;

/// <summary>
/// What <c>/healthz</c> and <c>/readyz</c> report. Healthy: the process answers, every SMTP
/// listener is bound and the event store (when there is one) takes a write. Ready: started,
/// not shutting down, and the store opened with its schema current (the event writer opens it
/// in the background, so SMTP never waits for a slow database).
/// </summary>
internal sealed class HealthChecks
{
    private readonly IServiceProvider _services;
    private readonly SmtpListeners _listeners;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ConnectionRegistry _registry;

    public HealthChecks(
        IServiceProvider services,
        SmtpListeners listeners,
        IHostApplicationLifetime lifetime,
        ConnectionRegistry registry)
    {
        _services = services;
        _listeners = listeners;
        _lifetime = lifetime;
        _registry = registry;
    }

    public bool IsStarted => _lifetime.ApplicationStarted.IsCancellationRequested;

    /// <summary>True once the store is open and migrated, or when there is no store.</summary>
    public bool IsStoreReady => _services.GetService<EventWriter>() is not { } writer
        || writer.StoreReady.IsCompletedSuccessfully;

    public bool IsStopping => _lifetime.ApplicationStopping.IsCancellationRequested || _registry.IsShuttingDown;

    /// <summary>The checks by name, each with whether it passed and what was seen.</summary>
    public async Task<Dictionary<string, (bool Ok, string Detail)>> CheckAsync(CancellationToken cancellationToken)
    {
        var endpoints = _listeners.Endpoints;
        var smtp = !IsStarted ? (false, "not started yet")
            : endpoints.Count == 0 || endpoints.Any(e => e is null) ? (false, "an SMTP listener is not bound")
            : (true, $"{endpoints.Count} listener(s) bound");
        return new Dictionary<string, (bool, string)>
        {
            ["smtp"] = smtp,
            ["store"] = await CheckStoreAsync(cancellationToken),
        };
    }

    private async Task<(bool Ok, string Detail)> CheckStoreAsync(CancellationToken cancellationToken)
    {
        var store = _services.GetService<IEventStore>();
        if (store is null)
        {
            return (true, "none configured");
        }

        if (!IsStoreReady)
        {
            return (false, "the event store is not open yet (see the store log lines)");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));

            // XXX: this proves the store answers a read; a store-side write probe would prove
            // it takes writes too, which a full disk or a read-only replica would fail.
            await store.GetEventsAsync(new EventQuery(Limit: 1), timeout.Token);
            return (true, "ok");
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"the event store does not answer: {error.Message}");
        }
    }
}
