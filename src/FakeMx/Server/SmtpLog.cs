using FakeMx.Hosting;
using Microsoft.Extensions.Logging;

namespace FakeMx.Server;

/// <summary>
/// The SMTP server's log lines. Each starts with a capitalised keyword an operator can grep,
/// names the peer as <c>[addr]:port</c>, and carries only sanitized client text.
/// </summary>
internal static partial class SmtpLog
{
    [LoggerMessage(LogEvents.Listening, LogLevel.Information, "LISTEN smtp on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(LogEvents.MemoryTrimmed, LogLevel.Information,
        "MEMORY TRIM connections fell to a tenth of their peak; heap now {HeapMiB} MiB")]
    public static partial void MemoryTrimmed(ILogger logger, long heapMiB);

    [LoggerMessage(LogEvents.ShuttingDown, LogLevel.Information,
        "SHUTDOWN stopped accepting; closing {Sessions} open sessions with 421")]
    public static partial void ShuttingDown(ILogger logger, int sessions);

    [LoggerMessage(LogEvents.SessionSummary, LogLevel.Information,
        "SESSION [{ClientIp}]:{ClientPort} helo={Helo} from={Sender} rcpts={Recipients} stage={Stage} " +
        "reply={ReplyCode} duration={DurationMs}ms end={End} commands={Commands} errors={Errors}")]
    public static partial void SessionSummary(
        ILogger logger,
        string clientIp,
        int clientPort,
        string? helo,
        string? sender,
        int recipients,
        string stage,
        int? replyCode,
        long durationMs,
        string end,
        int commands,
        int errors);

    [LoggerMessage(LogEvents.Command, LogLevel.Debug,
        "COMMAND [{ClientIp}]:{ClientPort} {Line} -> {ReplyCode} {ReplyText}")]
    public static partial void Command(
        ILogger logger, string clientIp, int clientPort, string line, int replyCode, string replyText);

    [LoggerMessage(LogEvents.SessionFailed, LogLevel.Error,
        "SESSION FAILED [{ClientIp}]:{ClientPort} unexpected error")]
    public static partial void SessionFailed(ILogger logger, string clientIp, int clientPort, Exception error);

    [LoggerMessage(LogEvents.ErrorLimit, LogLevel.Warning,
        "ERROR LIMIT [{ClientIp}]:{ClientPort} after {Errors} errors")]
    public static partial void ErrorLimit(ILogger logger, string clientIp, int clientPort, int errors);

    [LoggerMessage(LogEvents.CommandLimit, LogLevel.Warning,
        "COMMAND LIMIT [{ClientIp}]:{ClientPort} after {Commands} commands")]
    public static partial void CommandLimit(ILogger logger, string clientIp, int clientPort, int commands);

    [LoggerMessage(LogEvents.IdleTimeout, LogLevel.Warning,
        "IDLE TIMEOUT [{ClientIp}]:{ClientPort} silent for {Seconds}s")]
    public static partial void IdleTimeout(ILogger logger, string clientIp, int clientPort, double seconds);

    [LoggerMessage(LogEvents.SessionTimeout, LogLevel.Warning,
        "SESSION TIME LIMIT [{ClientIp}]:{ClientPort} after {Seconds}s")]
    public static partial void SessionTimeout(ILogger logger, string clientIp, int clientPort, double seconds);

    [LoggerMessage(LogEvents.ConnectionLimit, LogLevel.Warning,
        "CONNECTION LIMIT [{ClientIp}]:{ClientPort} refused: {Open} connections open")]
    public static partial void ConnectionLimit(ILogger logger, string clientIp, int clientPort, int open);

    [LoggerMessage(LogEvents.ClientLimit, LogLevel.Warning,
        "CLIENT LIMIT [{ClientIp}]:{ClientPort} refused: {Open} connections open from this address")]
    public static partial void ClientLimit(ILogger logger, string clientIp, int clientPort, int open);

    [LoggerMessage(LogEvents.LineTooLong, LogLevel.Debug,
        "LINE TOO LONG [{ClientIp}]:{ClientPort} command line over 512 octets discarded")]
    public static partial void LineTooLong(ILogger logger, string clientIp, int clientPort);

    [LoggerMessage(LogEvents.StalledOutput, LogLevel.Warning,
        "STALLED OUTPUT [{ClientIp}]:{ClientPort} client stopped reading replies; connection aborted")]
    public static partial void StalledOutput(ILogger logger, string clientIp, int clientPort);
}
