using FakeMx.Smtp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// One timer for all sessions: it enforces the idle and session time limits by scanning the
/// open connections a few times a second, instead of arming a timer per connection or per
/// read. It also turns the host's stop signal into a 421 for every open session.
/// </summary>
internal sealed class SessionMonitor : BackgroundService
{
    private readonly ConnectionRegistry _registry;
    private readonly MemoryTrimmer _trimmer;
    private readonly SmtpOptions _options;
    private readonly ILogger<SessionMonitor> _logger;

    public SessionMonitor(
        ConnectionRegistry registry,
        MemoryTrimmer trimmer,
        SmtpOptions options,
        IHostApplicationLifetime lifetime,
        ILogger<SessionMonitor> logger)
    {
        _registry = registry;
        _trimmer = trimmer;
        _options = options;
        _logger = logger;

        // ApplicationStopping fires before Kestrel unbinds, so sessions hear 421 4.3.2 first.
        lifetime.ApplicationStopping.Register(() =>
            SmtpLog.ShuttingDown(_logger, _registry.BeginShutdown()));
    }

    /// <summary>
    /// The scan interval: a tenth of the shortest limit, between 50 ms and 1 s, so a limit is
    /// enforced within 10% of its value at a cost of a few scans a second.
    /// </summary>
    public static TimeSpan ScanInterval(SmtpOptions options)
    {
        var shortest = Math.Min(options.IdleTimeout.TotalMilliseconds, options.SessionTimeout.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Clamp(shortest / 10, 50, 1000));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = (long)_options.IdleTimeout.TotalMilliseconds;
        var session = (long)_options.SessionTimeout.TotalMilliseconds;
        var scratch = new List<(SmtpConnection, SessionEnd)>();
        using var timer = new PeriodicTimer(ScanInterval(_options));

        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Environment.TickCount64;
                _registry.EndExpired(now, idle, session, scratch);
                if (_trimmer.Observe(_registry.OpenCount, now))
                {
                    SmtpLog.MemoryTrimmed(_logger, GC.GetTotalMemory(forceFullCollection: false) / 1024 / 1024);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
