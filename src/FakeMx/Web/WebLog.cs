using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Web;

/// <summary>The HTTP endpoint's log lines (ids 3xxx).</summary>
internal static partial class WebLog
{
    [LoggerMessage(LogEvents.HttpListening, LogLevel.Information,
        "LISTEN http on {Endpoint} (metrics, health, API, dashboard){Access}")]
    public static partial void Listening(ILogger logger, string endpoint, string access);

    [LoggerMessage(LogEvents.HttpUnauthorized, LogLevel.Debug,
        "UNAUTHORIZED [{ClientIp}]:{ClientPort} {Method} {Path} without a valid token")]
    public static partial void Unauthorized(
        ILogger logger, string clientIp, int clientPort, string method, string path);

    [LoggerMessage(LogEvents.HttpBadRequest, LogLevel.Debug, "BAD REQUEST {Path}: {Problem}")]
    public static partial void BadRequest(ILogger logger, string path, string problem);

    [LoggerMessage(LogEvents.HttpStoreFailed, LogLevel.Error, "API FAILED {Path}: the event store query failed")]
    public static partial void StoreFailed(ILogger logger, string path, Exception error);

    [LoggerMessage(LogEvents.HttpUnhealthy, LogLevel.Warning, "UNHEALTHY {Check}: {Problem}")]
    public static partial void Unhealthy(ILogger logger, string check, string problem);
}
